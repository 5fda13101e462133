"""Search over the synthetic catalogue by arithmetic, never by scanning.

A query narrows, per (leaf, brand) *group*, which product-word slots are allowed, and globally
which style and colour slots are. A price range becomes a contiguous variant range per group
(prices rise with the variant), found by bisection. The matching ids of a group are then the
cartesian product of the allowed slots, so counts are products and the k-th id is a
mixed-radix decode. Price and sales orders merge the groups' already-sorted variant rows
lazily, so a page costs about as much as its depth, not as the catalogue.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from hive.simulators.vop.catalog import BRAND_SLOTS, WORD_SLOTS, Catalog, Slots
from hive.simulators.vop.category_data import COLORS, STYLES
from hive.simulators.vop.vocabulary import Meaning, Vocabulary

T = TypeVar("T")
KEYWORD_CACHE_SIZE = 1024
SORT_TYPES = ("", "price_asc", "price_desc", "sale_desc", "sort_commentcount_desc", "winsdate_desc")


@dataclass(frozen=True)
class Query:
    """Allowed slots: ``groups`` maps group → allowed word slots (absent group = excluded)."""

    groups: dict[int, tuple[int, ...]]
    styles: tuple[int, ...]
    colors: tuple[int, ...]
    min_fen: int = 0
    max_fen: int = 1 << 62


@dataclass
class Plan:
    """What a query matches: per group its variant range and count; aggregates once built."""

    query: Query
    ranges: dict[int, tuple[int, int]]
    counts: dict[int, int]
    total: int
    aggregates: dict[str, object] | None = None


class LruCache(Generic[T]):
    """Values by key, least recently used out: repeated searches skip the arithmetic."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        value = build()
        if self.size:
            self._values[key] = value
            if len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


PlanCache = LruCache[Plan | None]


class SearchIndex:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.vocabulary = Vocabulary(catalog.tree)
        self._keyword_queries: LruCache[Query | None] = LruCache(KEYWORD_CACHE_SIZE)

    def everything(self) -> Query:
        groups = dict.fromkeys(
            range(self.catalog.leaf_count * BRAND_SLOTS), tuple(range(WORD_SLOTS))
        )
        return Query(groups, tuple(range(len(STYLES))), tuple(range(len(COLORS))))

    # --- narrowing ---------------------------------------------------------------------------

    def in_leaves(self, query: Query, leaves: set[int]) -> Query:
        kept = {g: w for g, w in query.groups.items() if g // BRAND_SLOTS in leaves}
        return replace(query, groups=kept)

    def with_brands(self, query: Query, names: set[str]) -> Query:
        leaves = self.catalog.tree.leaves
        kept = {
            g: w
            for g, w in query.groups.items()
            if leaves[g // BRAND_SLOTS].brands[g % BRAND_SLOTS] in names
        }
        return replace(query, groups=kept)

    def for_keyword(self, keyword: str) -> Query | None:
        """The whole catalogue narrowed by a keyword; remembered per keyword (bounded)."""
        everything = self.everything
        return self._keyword_queries.get(
            keyword, lambda: self.with_keyword(everything(), keyword) if keyword else everything()
        )

    def with_keyword(self, query: Query, keyword: str) -> Query | None:
        """Every term of the keyword must match (AND); ``None`` when a term matches nothing."""
        for meaning in self.vocabulary.resolve(keyword):
            narrowed = self._apply(query, meaning)
            if narrowed is None:
                return None
            query = narrowed
        return query

    def _apply(self, query: Query, meaning: Meaning) -> Query | None:
        if meaning.brands:
            return self.with_brands(query, set(meaning.brands))
        if meaning.leaf_words:
            kept: dict[int, tuple[int, ...]] = {}
            for group, words in query.groups.items():
                allowed = meaning.leaf_words.get(group // BRAND_SLOTS)
                narrowed = tuple(w for w in words if allowed is not None and w in allowed)
                if narrowed:
                    kept[group] = narrowed
            return replace(query, groups=kept)
        if meaning.styles:
            return replace(query, styles=tuple(s for s in query.styles if s in meaning.styles))
        if meaning.colors:
            return replace(query, colors=tuple(c for c in query.colors if c in meaning.colors))
        return None

    # --- counting and paging -----------------------------------------------------------------

    def variant_range(self, query: Query, group: int) -> tuple[int, int]:
        if query.min_fen <= 0 and query.max_fen >= 1 << 62:
            return 0, self.catalog.variants
        row = self.catalog.group_prices[group]
        return bisect_left(row, query.min_fen), bisect_right(row, query.max_fen)

    def plan(self, query: Query) -> Plan:
        """Per matching group: its variant range and match count (a pure function of query)."""
        ranges: dict[int, tuple[int, int]] = {}
        counts: dict[int, int] = {}
        per_style_color = len(query.styles) * len(query.colors)
        for group in sorted(query.groups):
            lo, hi = self.variant_range(query, group)
            if hi > lo and per_style_color:
                ranges[group] = (lo, hi)
                counts[group] = len(query.groups[group]) * per_style_color * (hi - lo)
        return Plan(query, ranges, counts, sum(counts.values()))

    def search(self, plan: Plan, sort: str, offset: int, limit: int) -> list[int]:
        """One page of SKU ids in the requested order."""
        if sort in ("", "winsdate_desc"):
            return self._by_id(plan, offset, limit, descending=bool(sort))
        return list(itertools.islice(self._by_rank(plan, sort, offset), limit))

    def _by_id(self, plan: Plan, offset: int, limit: int, *, descending: bool) -> list[int]:
        skus: list[int] = []
        for group in sorted(plan.counts, reverse=descending):
            n = plan.counts[group]
            if offset >= n:
                offset -= n
                continue
            while offset < n and len(skus) < limit:
                k = n - 1 - offset if descending else offset
                skus.append(self._kth_in_group(plan, group, k))
                offset += 1
            if len(skus) == limit:
                break
            offset = 0
        return skus

    def _kth_in_group(self, plan: Plan, group: int, k: int) -> int:
        query = plan.query
        lo, hi = plan.ranges[group]
        k, variant = divmod(k, hi - lo)
        k, color = divmod(k, len(query.colors))
        word_index, style = divmod(k, len(query.styles))
        leaf, brand = divmod(group, BRAND_SLOTS)
        slots = Slots(
            leaf,
            brand,
            query.groups[group][word_index],
            query.styles[style],
            query.colors[color],
            lo + variant,
        )
        return self.catalog.sku_of(slots)

    def _by_rank(self, plan: Plan, sort: str, skip: int) -> Iterator[int]:
        """Ids in price or sales order, after ``skip``: a lazy merge of each group's sorted
        variant row. A row entry stands for all its word/style/colour combinations (same
        price and sales), so skipped entries cost one subtraction each."""
        descending = sort != "price_asc"
        table = self.catalog.group_prices if sort.startswith("price") else self.catalog.group_sales
        query = plan.query
        per_style_color = len(query.styles) * len(query.colors)
        rows = []
        for group, (lo, hi) in plan.ranges.items():
            # Sales fall as the variant rises, so sales order walks each row forward too.
            variants = range(hi - 1, lo - 1, -1) if sort == "price_desc" else range(lo, hi)
            rows.append(_ranked_row(table[group], group, variants))
        for _, group, variant in heapq.merge(*rows, reverse=descending):
            combos = len(query.groups[group]) * per_style_color
            if skip >= combos:
                skip -= combos
                continue
            leaf, brand = divmod(group, BRAND_SLOTS)
            product = itertools.product(query.groups[group], query.styles, query.colors)
            for word, style, color in itertools.islice(product, skip, None):
                yield self.catalog.sku_of(Slots(leaf, brand, word, style, color, variant))
            skip = 0


def _ranked_row(row: list[int], group: int, variants: range) -> Iterator[tuple[int, int, int]]:
    for variant in variants:
        yield row[variant], group, variant
