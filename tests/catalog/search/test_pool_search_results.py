"""Sorting, paging, facets and capped counts of pool search."""

from __future__ import annotations

import itertools
import random

import pytest

from hive.catalog.search.service import (
    FacetCount,
    PoolQuery,
    PriceBandCount,
    SortOrder,
)
from tests.catalog.search.conftest import Item, Pool

BRANDS = ["华为", "小米", "荣耀", "漫步者"]
CATEGORIES = [3, 4, 6]
PRICES = [29_00, 99_00, 199_00, 499_00, 999_00, 2999_00, 6999_00]


def generated(count: int, seed: int = 3) -> list[Item]:
    rng = random.Random(seed)
    return [
        Item(
            f"{rng.choice(BRANDS)} 无线蓝牙耳机 型号{n:03d}",
            BRANDS[n % len(BRANDS)],
            CATEGORIES[n % len(CATEGORIES)],
            PRICES[n % len(PRICES)] + n,
            sales=rng.randint(0, 10_000),
        )
        for n in range(count)
    ]


@pytest.fixture(scope="module")
async def earphones(module_pool: Pool) -> tuple[Pool, list[Item]]:
    items = generated(60)
    await module_pool.add(*items)
    return module_pool, items


SORT_KEYS = {
    SortOrder.SALES: lambda pair: (-pair[1].sales, -pair[0]),
    SortOrder.PRICE_ASC: lambda pair: (pair[1].retail, pair[0]),
    SortOrder.PRICE_DESC: lambda pair: (-pair[1].retail, -pair[0]),
    SortOrder.NEWEST: lambda pair: -pair[0],
}


def expected_order(items: list[Item], sort: SortOrder) -> list[str]:
    return [item.name for _, item in sorted(enumerate(items), key=SORT_KEYS[sort])]


async def test_every_sort_order_pages_through_all_matches(
    earphones: tuple[Pool, list[Item]],
) -> None:
    pool, items = earphones
    for sort in SORT_KEYS:
        pages = [
            await pool.search(PoolQuery(keyword="蓝牙耳机", sort=sort, page=page, page_size=25))
            for page in (1, 2, 3)
        ]
        assert [len(p.hits) for p in pages] == [25, 25, 10], sort
        assert [h.name for p in pages for h in p.hits] == expected_order(items, sort), sort
        assert {(p.total, p.total_is_estimate) for p in pages} == {(60, False)}


async def test_capped_match_sets_page_in_the_same_order(
    earphones: tuple[Pool, list[Item]],
) -> None:
    # Past the cap the page is read along the sort index instead of from the sample.
    pool, items = earphones
    for sort in SORT_KEYS:
        query = PoolQuery(keyword="耳机", sort=sort, page=2, page_size=10)
        result = await pool.search(query, count_cap=30)
        assert (result.total, result.total_is_estimate, result.facets_are_sampled) == (
            30,
            True,
            True,
        )
        assert [h.name for h in result.hits] == expected_order(items, sort)[10:20], sort


async def test_relevance_of_a_capped_set_orders_by_sales(
    earphones: tuple[Pool, list[Item]],
) -> None:
    pool, items = earphones
    result = await pool.search(PoolQuery(keyword="耳机"), count_cap=30)
    assert [h.name for h in result.hits] == expected_order(items, SortOrder.SALES)[:20]


async def test_capped_facets_count_a_sample_of_cap_plus_one(
    earphones: tuple[Pool, list[Item]],
) -> None:
    pool, _ = earphones
    result = await pool.search(PoolQuery(keyword="耳机"), count_cap=30)
    assert sum(f.count for f in result.facets.brands) == 31
    assert sum(b.count for b in result.facets.price_bands) == 31


async def test_facets_are_exact_on_small_match_sets(earphones: tuple[Pool, list[Item]]) -> None:
    pool, items = earphones
    result = await pool.search(PoolQuery(keyword="耳机", max_price_fen=999_99))
    matched = [i for i in items if i.retail <= 999_99]
    assert result.total == len(matched) and not result.facets_are_sampled
    brand_counts = {b: sum(1 for i in matched if i.brand == b) for b in BRANDS}
    assert result.facets.brands == [
        FacetCount(b, b, n) for b, n in sorted(brand_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    labels = {3: "手机", 4: "手机配件", 6: "耳机"}
    category_counts = {c: sum(1 for i in matched if i.category_id == c) for c in CATEGORIES}
    assert result.facets.categories == [
        FacetCount(str(c), labels[c], n)
        for c, n in sorted(category_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    bounds = [0, 5_000, 10_000, 20_000, 50_000, 100_000]
    expected_bands = [
        PriceBandCount(low, high, sum(1 for i in matched if low <= i.retail < high))
        for low, high in itertools.pairwise(bounds)
    ]
    assert result.facets.price_bands == [b for b in expected_bands if b.count]


async def test_relevance_without_a_keyword_orders_by_sales(
    earphones: tuple[Pool, list[Item]],
) -> None:
    pool, items = earphones
    names = await pool.names(PoolQuery(page_size=5))
    assert names == expected_order(items, SortOrder.SALES)[:5]


async def test_a_page_past_the_end_is_empty_but_keeps_the_total(
    earphones: tuple[Pool, list[Item]],
) -> None:
    pool, _ = earphones
    result = await pool.search(PoolQuery(keyword="耳机", page=4, page_size=20))
    assert (result.hits, result.total, result.page) == ([], 60, 4)


async def test_hits_carry_the_pool_columns(pool: Pool) -> None:
    [product_id] = await pool.add(Item("倍思 快充充电器 65W", "倍思", 4, 129_00, sales=42))
    [hit] = (await pool.search(PoolQuery(keyword="充电器"))).hits
    assert (hit.id, hit.supplier_id, hit.name, hit.brand, hit.category_id) == (
        product_id,
        pool.supplier_id,
        "倍思 快充充电器 65W",
        "倍思",
        4,
    )
    assert (hit.retail_price_fen, hit.purchase_price_fen, hit.sales) == (129_00, 103_20, 42)
    assert (hit.on_shelf, hit.status, hit.supplier_sku) == (True, "active", "T000001")
    assert hit.image_url == "https://img.example/1.jpg"
