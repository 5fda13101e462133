"""Search aggregates (brands, categories, price bands), computed from per-group counts."""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections import Counter

from hive.platform.money import format_yuan
from hive.simulators.vop.catalog import BRAND_SLOTS, Catalog
from hive.simulators.vop.search_index import Query, SearchIndex

# Price band edges in fen (the last band is open-ended).
PRICE_BANDS_FEN = (0, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
MAX_BRAND_BUCKETS = 50


def aggregates(index: SearchIndex, query: Query, counts: dict[int, int]) -> dict[str, object]:
    catalog = index.catalog
    return {
        "brandAggregate": _brands(catalog, counts),
        "categoryAggregate": _categories(catalog, counts),
        "priceIntervalAggregate": _price_bands(index, query, counts),
    }


def _brands(catalog: Catalog, counts: dict[int, int]) -> list[dict[str, object]]:
    totals: Counter[str] = Counter()
    for group, n in counts.items():
        totals[catalog.tree.leaves[group // BRAND_SLOTS].brands[group % BRAND_SLOTS]] += n
    return [
        {"id": catalog.brand_ids[name], "name": name, "count": n}
        for name, n in totals.most_common(MAX_BRAND_BUCKETS)
    ]


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


def _price_bands(
    index: SearchIndex, query: Query, counts: dict[int, int]
) -> list[dict[str, object]]:
    edges = [*PRICE_BANDS_FEN, 1 << 62]
    bands = []
    for low, high in itertools.pairwise(edges):
        lo, hi = max(low, query.min_fen), min(high - 1, query.max_fen)
        if lo > hi:
            continue
        total = 0
        for group in counts:
            row = index.catalog.group_prices[group]
            variants = bisect_right(row, hi) - bisect_left(row, lo)
            if variants > 0:
                total += variants * len(query.groups[group]) * len(query.styles) * len(query.colors)
        if total:
            top = format_yuan(high) if high < 1 << 62 else ""
            bands.append({"min": format_yuan(low), "max": top, "count": total})
    return bands
