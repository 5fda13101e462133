"""Pool search: keyword, filters, facets, sorting and paging over the product pool.

Everything runs in PostgreSQL. How a search is planned (see ``docs/pool-search.md``):

1. One statement gathers the *match sample*: the matching rows' narrow columns, at most
   ``COUNT_CAP + 1`` of them, in a ``MATERIALIZED`` CTE, and computes from it the count, the
   facets and the ids of the requested page. Planning on the match set first keeps a selective
   keyword away from the trap of walking the whole sales index for a few matches.
2. If the sample is complete (at most ``COUNT_CAP`` matches), count and facets are exact and the
   page comes from the sample. Otherwise the count is reported as ``COUNT_CAP`` with
   ``total_is_estimate``, the facets are those of the sample (``facets_are_sampled``), and the
   page is read by a second statement that lets the planner walk the sort order's index — cheap
   because at least ``COUNT_CAP`` rows match. Filters other than the keyword (status, category,
   price, brand, shelf, stock) are answered by covering indexes without reading the table; a
   keyword beside them is checked only on the rows they pass.
3. A keyword that matches nothing is retried loosely (any of its words, or a trigram word
   similarity for typos); the result then says ``fuzzy``.

Operators search with ``search_pool``; tenants with ``search_pool_for_tenant`` — the same
statements, active products of the tenant's distribution pools only (the pools' one rule,
``tenant_visible_products``, as a filter), and hits read only from the columns the tenant role
may read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Generic

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.search import repository
from hive.catalog.search.segmentation import query_terms
from hive.catalog.search.types import (
    COUNT_CAP,
    FacetCount,
    Hit,
    MatchSpec,
    PoolHit,
    PriceBandCount,
    SortOrder,
    TenantPoolHit,
)
from hive.catalog.status import ProductStatus
from hive.platform.validation import InvalidInput, Problem, text_problems

__all__ = [
    "COUNT_CAP",
    "FacetCount",
    "InvalidPoolQuery",
    "PoolFacets",
    "PoolHit",
    "PoolQuery",
    "PoolSearchResult",
    "PriceBandCount",
    "ProductStatus",
    "SortOrder",
    "TenantPoolHit",
    "search_pool",
    "search_pool_for_tenant",
]

MAX_KEYWORD_CHARS = 64
MAX_BRAND_CHARS = 128
MAX_PAGE_SIZE = 100
# Deepest row a client may page to (as search engines do): deeper pages of a broad match
# would walk most of an index, and nobody reads them.
MAX_RESULT_WINDOW = 5_000
MAX_ID = 2**63 - 1


# Removed products are hidden unless a query asks for them by status.
DEFAULT_STATUSES = (ProductStatus.ACTIVE, ProductStatus.PAUSED)
# Tenants see active products only: paused and removed ones cannot be ordered.
TENANT_STATUSES = (ProductStatus.ACTIVE,)


class InvalidPoolQuery(InvalidInput):
    """A pool search refused; ``problems`` name each field with a stable problem code."""

    code = "invalid_pool_query"
    default_message = "商品池搜索条件不合法 / Invalid pool search"


@dataclass(frozen=True, slots=True)
class PoolQuery:
    """What a pool search asks for. Built once, validated on construction."""

    keyword: str = ""
    category_id: int | None = None
    brand: str | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    in_stock_province_id: int | None = None
    statuses: tuple[ProductStatus, ...] = DEFAULT_STATUSES
    on_shelf: bool | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidPoolQuery(problems)
        object.__setattr__(self, "keyword", self.keyword.strip())
        object.__setattr__(self, "brand", (self.brand or "").strip() or None)
        object.__setattr__(self, "statuses", tuple(dict.fromkeys(self.statuses)))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class PoolFacets:
    brands: list[FacetCount] = field(default_factory=list)
    categories: list[FacetCount] = field(default_factory=list)
    price_bands: list[PriceBandCount] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PoolSearchResult(Generic[Hit]):
    """A page of hits. ``total`` is exact unless ``total_is_estimate`` (then "COUNT_CAP+")."""

    total: int
    total_is_estimate: bool
    hits: list[Hit]
    facets: PoolFacets
    facets_are_sampled: bool
    fuzzy: bool
    page: int
    page_size: int


async def search_pool(
    session: AsyncSession, query: PoolQuery, *, count_cap: int = COUNT_CAP
) -> PoolSearchResult[PoolHit]:
    """Search the product pool as an operator; see the module docstring for how it stays fast.

    ``count_cap`` is how many matches are counted exactly (tests lower it to reach the
    capped path with a few rows).
    """
    return await _search(session, query, repository.OPERATOR_HITS, count_cap)


async def search_pool_for_tenant(
    session: AsyncSession, query: PoolQuery, *, tenant_id: int, count_cap: int = COUNT_CAP
) -> PoolSearchResult[TenantPoolHit]:
    """Search the product pool as the tenant ``tenant_id`` sees it: active products of its
    distribution pools only, whatever statuses ``query`` names, and hits without purchase
    price or supplier identity.

    Its SQL reads only the ``products`` columns granted to the tenant role (migration 0007), so
    it runs in ``tenant_transaction``; facets and price filters are by retail price.
    """
    active_only = replace(query, statuses=TENANT_STATUSES)
    return await _search(session, active_only, repository.TENANT_HITS, count_cap, tenant_id)


async def pool_export(session: AsyncSession, query: PoolQuery) -> Select[Any]:
    """Every product an operator's pool search matches (its filters and sort, not its page),
    as a statement for an export to stream: the loose matches when the keyword matches
    nothing exactly, and ranked by relevance, as the page shows them."""
    category_ids = None
    if query.category_id is not None:
        category_ids = tuple(await repository.category_tree(session, query.category_id))
    spec = _spec(query, category_ids, fuzzy=False, tenant_id=None)
    if not spec.has_keyword:
        return repository.export_statement(spec)
    # The page's own first query decides, as on the page (it is what a search runs anyway):
    # the loose match, and whether the matches are few enough to be ranked.
    sample = await repository.match_sample(session, spec, COUNT_CAP)
    if sample.count == 0:
        spec = _spec(query, category_ids, fuzzy=True, tenant_id=None)
        sample = await repository.match_sample(session, spec, COUNT_CAP)
    return repository.export_statement(spec, ranked=sample.count <= COUNT_CAP)


async def _search(
    session: AsyncSession,
    query: PoolQuery,
    kind: repository.HitKind[Hit],
    count_cap: int,
    tenant_id: int | None = None,
) -> PoolSearchResult[Hit]:
    category_ids = None
    if query.category_id is not None:
        category_ids = tuple(await repository.category_tree(session, query.category_id))
    spec = _spec(query, category_ids, fuzzy=False, tenant_id=tenant_id)
    sample = await repository.match_sample(session, spec, count_cap)
    fuzzy = False
    if sample.count == 0 and spec.has_keyword:
        spec = _spec(query, category_ids, fuzzy=True, tenant_id=tenant_id)
        sample = await repository.match_sample(session, spec, count_cap)
        fuzzy = True
    complete = sample.count <= count_cap
    if complete:
        hits = await repository.hits_by_id(session, sample.page_ids, kind)
    else:
        hits = await repository.hits_in_order(session, spec, kind)
    return PoolSearchResult(
        total=min(sample.count, count_cap),
        total_is_estimate=not complete,
        hits=hits,
        facets=PoolFacets(sample.brands, sample.categories, sample.price_bands),
        facets_are_sampled=not complete,
        fuzzy=fuzzy,
        page=query.page,
        page_size=query.page_size,
    )


def _spec(
    query: PoolQuery,
    category_ids: tuple[int, ...] | None,
    *,
    fuzzy: bool,
    tenant_id: int | None,
) -> MatchSpec:
    return MatchSpec(
        keyword=query.keyword,
        terms=tuple(query_terms(query.keyword)),
        fuzzy=fuzzy,
        category_ids=category_ids,
        brand=query.brand,
        min_price_fen=query.min_price_fen,
        max_price_fen=query.max_price_fen,
        in_stock_province_id=query.in_stock_province_id,
        statuses=tuple(s.value for s in query.statuses),
        on_shelf=query.on_shelf,
        sort=query.sort,
        offset=query.offset,
        limit=query.page_size,
        tenant_id=tenant_id,
    )


def _problems(query: PoolQuery) -> list[Problem]:
    problems: list[Problem] = []
    for name, limit in (("keyword", MAX_KEYWORD_CHARS), ("brand", MAX_BRAND_CHARS)):
        text = getattr(query, name)
        if text is None and name == "brand":
            continue
        if not isinstance(text, str):
            problems.append(Problem(name, "invalid"))
        else:
            problems += text_problems(text.strip(), name, max_length=limit)
    for name in ("category_id", "in_stock_province_id"):
        problems += _int_problems(getattr(query, name), name, minimum=1)
    for name in ("min_price_fen", "max_price_fen"):
        problems += _int_problems(getattr(query, name), name, minimum=0)
    low, high = query.min_price_fen, query.max_price_fen
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(Problem("max_price_fen", "below_minimum"))
    problems.extend(_paging_problems(query))
    if not query.statuses or not all(isinstance(s, ProductStatus) for s in query.statuses):
        problems.append(Problem("status", "invalid"))
    if query.on_shelf is not None and not isinstance(query.on_shelf, bool):
        problems.append(Problem("on_shelf", "invalid"))
    if not isinstance(query.sort, SortOrder):
        problems.append(Problem("sort", "invalid"))
    return problems


def _int_problems(value: object, name: str, *, minimum: int) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool):
        return [Problem(name, "not_an_integer")]
    if value < minimum:
        return [Problem(name, "too_small", {"min": minimum})]
    if value > MAX_ID:
        return [Problem(name, "too_large", {"max": MAX_ID})]
    return []


def _paging_problems(query: PoolQuery) -> list[Problem]:
    if query.page is None:
        return [Problem("page", "not_an_integer")]
    problems = _int_problems(query.page, "page", minimum=1)
    if problems:
        return problems
    size = query.page_size
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE_SIZE:
        return [Problem("page_size", "too_large", {"max": MAX_PAGE_SIZE})]
    if query.page * size > MAX_RESULT_WINDOW:
        # The deepest page a search shows, in the user's own terms.
        return [Problem("page", "too_large", {"max": MAX_RESULT_WINDOW // size})]
    return []


def _optional_int(value: object, *, minimum: int) -> bool:
    if value is None:
        return True
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_ID
