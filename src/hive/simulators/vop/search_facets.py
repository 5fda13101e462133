"""Search aggregates (brands, categories, price bands), computed from a plan's group counts."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from functools import cached_property

from hive.simulators.vop.catalog import BRAND_SLOTS, Catalog
from hive.simulators.vop.envelope import yuan
from hive.simulators.vop.search_index import Plan

# Price band edges in fen; the last band ends at the top edge (JD's clients read both ends of
# a band as numbers, so no band is open-ended).
PRICE_BANDS_FEN = (0, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
TOP_EDGE_FEN = 100_000_000
MAX_BRAND_BUCKETS = 50


class Facets:
    """Aggregates of a plan; price bands by arithmetic on per-group band boundaries."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @cached_property
    def band_starts(self) -> list[list[int]]:
        """Per group: the first variant at or above each band edge (rows rise with variant)."""
        return [
            [bisect_left(row, edge) for edge in PRICE_BANDS_FEN] + [self.catalog.variants]
            for row in self.catalog.group_prices
        ]

    def aggregates(self, plan: Plan) -> dict[str, object]:
        """Built once per plan (plans are cached, so repeated searches reuse them)."""
        if plan.aggregates is None:
            plan.aggregates = {
                "brandAggregate": _brands(self.catalog, plan.counts),
                "categoryAggregate": _categories(self.catalog, plan.counts),
                "priceIntervalAggregate": self._price_bands(plan),
            }
        return plan.aggregates

    def _price_bands(self, plan: Plan) -> list[dict[str, object]]:
        totals = [0] * len(PRICE_BANDS_FEN)
        per_style_color = len(plan.query.styles) * len(plan.query.colors)
        bands = len(PRICE_BANDS_FEN)
        for group, (lo, hi) in plan.ranges.items():
            starts = self.band_starts[group]
            per_variant = len(plan.query.groups[group]) * per_style_color
            # Walk only the bands this group's variant range touches (usually two to four).
            band = bisect_right(starts, lo) - 1
            while band < bands and starts[band] < hi:
                variants = min(hi, starts[band + 1]) - max(lo, starts[band])
                if variants > 0:
                    totals[band] += variants * per_variant
                band += 1
        edges = (*PRICE_BANDS_FEN, TOP_EDGE_FEN)
        return [
            {"min": yuan(edges[band]), "max": yuan(edges[band + 1]), "count": total}
            for band, total in enumerate(totals)
            if total
        ]


def _brands(catalog: Catalog, counts: dict[int, int]) -> dict[str, object]:
    """JD's shape: an object with ``brandList`` (ids as strings) and ``pinyinAggr`` (the
    initials to browse by, which the simulator's brands do not have)."""
    totals: Counter[str] = Counter()
    for group, n in counts.items():
        totals[catalog.tree.leaves[group // BRAND_SLOTS].brands[group % BRAND_SLOTS]] += n
    brands = [
        {"id": str(catalog.brand_ids[name]), "name": name, "count": n}
        for name, n in totals.most_common(MAX_BRAND_BUCKETS)
    ]
    return {"pinyinAggr": [], "brandList": brands}


def _categories(catalog: Catalog, counts: dict[int, int]) -> dict[str, object]:
    levels: list[Counter[int]] = [Counter(), Counter(), Counter()]
    for group, n in counts.items():
        for level, category in enumerate(catalog.tree.leaves[group // BRAND_SLOTS].path):
            levels[level][category.cat_id] += n
    names = ("firstCategory", "secondCategory", "thridCategory")  # sic: VOP's spelling
    return {
        name: [
            {"catId": cat_id, "name": catalog.tree.by_id[cat_id].name, "count": n}
            for cat_id, n in level.most_common()
        ]
        for name, level in zip(names, levels, strict=True)
    }
