"""Values shared by pool search's service (``search``) and its SQL (``search_repository``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

# Matches counted exactly up to this many; beyond it the count is reported as "1,000+",
# the facets come from the first COUNT_CAP + 1 matches, and the page is read by the sort index.
# Each sampled match is a random heap read: measured on 1M products (2 cores, default
# shared_buffers) 5,001 of them cost 30-100 ms, 1,001 cost under 20 ms.
COUNT_CAP = 1_000
# Keywords at least this long also match as a substring of the name (trigram index). Shorter
# ones have no full trigram, so the index could not narrow the scan.
SUBSTRING_MIN_CHARS = 3
# Loose (typo-tolerant) matching by trigram word similarity needs this many characters.
FUZZY_MIN_CHARS = 3
# word_similarity(keyword, name) needed by the loose retry; pg_trgm's default 0.6 misses most
# one-character typos in short Chinese keywords (each CJK character is a trigram letter).
FUZZY_WORD_SIMILARITY = 0.4
FACET_LIMIT = 20
# Upper bounds (exclusive) of the price bands, in fen: ¥50, ¥100, ¥200, ¥500, ¥1k, ¥2k, ¥5k.
PRICE_BAND_BOUNDS_FEN = (5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000)


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    SALES = "sales"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class MatchSpec:
    """A validated pool query in the terms the SQL needs."""

    keyword: str
    terms: tuple[str, ...]
    fuzzy: bool
    # The filtered category and its descendants, resolved before planning so the planner
    # sees the actual ids (None: no category filter; empty: an unknown category).
    category_ids: tuple[int, ...] | None
    brand: str | None
    min_price_fen: int | None
    max_price_fen: int | None
    in_stock_province_id: int | None
    statuses: tuple[str, ...]
    on_shelf: bool | None
    sort: SortOrder
    offset: int
    limit: int
    # Searching for a tenant: only products in its distribution pools (None: operators).
    tenant_id: int | None = None

    @property
    def has_keyword(self) -> bool:
        """A keyword with no words (only punctuation) and too short for a substring is ignored."""
        return bool(self.terms) or len(self.keyword) >= SUBSTRING_MIN_CHARS

    @property
    def uses_substring(self) -> bool:
        return len(self.keyword) >= SUBSTRING_MIN_CHARS


@dataclass(frozen=True, slots=True)
class PoolHit:
    id: int
    supplier_id: int
    supplier_sku: str
    name: str
    brand: str
    category_id: int | None
    retail_price_fen: int
    purchase_price_fen: int
    sales: int
    on_shelf: bool
    status: str
    image_url: str


@dataclass(frozen=True, slots=True)
class TenantPoolHit:
    """A pool product as a tenant sees it: the supplier's public retail price, never our
    purchase price nor the supplier's identity (``hive_tenant`` may not read them)."""

    id: int
    name: str
    brand: str
    category_id: int | None
    category_name: str
    retail_price_fen: int
    sales: int
    on_shelf: bool
    in_supplier_pool: bool
    image_url: str

    @property
    def sellable(self) -> bool:
        """On the supplier's shelf and in its pool: it can be ordered (stock aside)."""
        return self.on_shelf and self.in_supplier_pool


# A hit of either kind: what a pool search returns depends on who searches.
Hit = TypeVar("Hit", PoolHit, TenantPoolHit)


@dataclass(frozen=True, slots=True)
class FacetCount:
    """One facet value: a brand (value = label) or a category (value = its id)."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class PriceBandCount:
    """Matches priced in ``[min_fen, max_fen)``; ``max_fen`` is None for the open top band."""

    min_fen: int
    max_fen: int | None
    count: int


@dataclass(frozen=True, slots=True)
class MatchSample:
    """Up to COUNT_CAP + 1 matches, summarised: their count, facets and the requested page."""

    count: int
    page_ids: list[int] = field(default_factory=list)
    brands: list[FacetCount] = field(default_factory=list)
    categories: list[FacetCount] = field(default_factory=list)
    price_bands: list[PriceBandCount] = field(default_factory=list)
