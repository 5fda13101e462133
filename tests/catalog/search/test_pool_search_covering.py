"""Large match sets paged through the covering indexes, and the generated orderable provinces."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hive.catalog.search.service import PoolQuery, SortOrder
from hive.suppliers.types import StockState
from tests.catalog.search.conftest import Item, Pool
from tests.catalog.search.test_pool_search_results import SORT_KEYS, generated


@pytest.fixture(scope="module")
async def stocked_earphones(module_pool: Pool) -> tuple[Pool, list[Item]]:
    items = generated(60)
    for n, item in enumerate(items):
        item.stock = {1: "in_stock" if n % 3 else "no_goods", 2: "in_transit"}
    await module_pool.add(*items)
    return module_pool, items


def expected(items: list[Item], sort: SortOrder, keep: object) -> list[str]:
    chosen = [(n, i) for n, i in enumerate(items) if keep(i)]  # type: ignore[operator]
    return [item.name for _, item in sorted(chosen, key=SORT_KEYS[sort])]


async def test_capped_keyword_with_filters_pages_in_sort_order(
    stocked_earphones: tuple[Pool, list[Item]],
) -> None:
    # Keyword beside filters over a capped set: candidates from the covering index, then the
    # keyword checked on them (two stages).
    pool, items = stocked_earphones
    for sort in SORT_KEYS:
        query = PoolQuery(
            keyword="耳机", brand="华为", in_stock_province_id=1, min_price_fen=50_00, sort=sort
        )
        result = await pool.search(query, count_cap=3)
        assert result.total_is_estimate
        keep = lambda i: i.brand == "华为" and i.retail >= 50_00 and i.stock[1] == "in_stock"  # noqa: E731
        assert [h.name for h in result.hits] == expected(items, sort, keep)[:20], sort


async def test_capped_filters_only_page_in_sort_order(
    stocked_earphones: tuple[Pool, list[Item]],
) -> None:
    pool, items = stocked_earphones
    for sort in SORT_KEYS:
        query = PoolQuery(category_id=1, in_stock_province_id=1, sort=sort, page=2, page_size=5)
        result = await pool.search(query, count_cap=5)
        keep = lambda i: i.stock[1] == "in_stock"  # noqa: E731
        assert [h.name for h in result.hits] == expected(items, sort, keep)[5:10], sort


async def test_orderable_provinces_follow_every_stock_state(pool: Pool) -> None:
    stock = {str(n + 1): {"state": state.value} for n, state in enumerate(StockState)}
    orderable = [n + 1 for n, state in enumerate(StockState) if state.can_order]
    async with pool.database.platform_transaction() as session:
        computed = await session.scalar(
            text("SELECT products_orderable_province_ids(CAST(:stock AS jsonb))"),
            {"stock": json.dumps(stock)},
        )
        odd = await session.scalar(
            text(
                'SELECT products_orderable_province_ids(CAST(\'{"x": {"state": "in_stock"}, '
                '"7": "in_stock", "8": {"state": "in_stock"}}\' AS jsonb))'
            )
        )
        not_object = await session.scalar(
            text("SELECT products_orderable_province_ids(CAST('[1, 2]' AS jsonb))")
        )
    assert computed == orderable
    assert (odd, not_object) == ([8], [])


async def test_in_stock_filter_follows_a_stock_update_by_any_writer(pool: Pool) -> None:
    [product_id] = await pool.add(Item("华为 蓝牙耳机", stock={1: "out_of_stock"}))
    query = PoolQuery(keyword="耳机", in_stock_province_id=1)
    assert (await pool.search(query)).total == 0
    async with pool.database.platform_transaction() as session:
        await session.execute(
            text("UPDATE products SET stock = CAST(:stock AS jsonb) WHERE id = :id"),
            {"stock": json.dumps({"1": {"state": "in_transit", "remaining": 3}}), "id": product_id},
        )
    assert [h.id for h in (await pool.search(query)).hits] == [product_id]
