"""Filters of pool search: category (with descendants), brand, price, stock, status, shelf."""

from __future__ import annotations

from typing import Any

import pytest

from hive.catalog.search.service import PoolQuery, ProductStatus, SortOrder
from tests.catalog.search.conftest import Item, Pool

ITEMS = [
    Item("华为 智能手机 黑色", "华为", 3, 4999_00, sales=9, stock={1: "in_stock", 2: "no_goods"}),
    Item("小米 智能手机 白色", "小米", 3, 1999_00, sales=8, stock={2: "in_transit"}),
    Item("华为 手机充电器 66W", "华为", 4, 199_00, sales=7, stock={1: "out_of_stock"}),
    Item("华为 无线耳机", "华为", 6, 999_00, sales=6, stock={1: "allocatable"}),
    Item("三只松鼠 坚果礼盒", "三只松鼠", 12, 99_00, sales=5, stock={1: "pre_order"}),
    Item("华为 老款手机 停售", "华为", 3, 899_00, sales=4, status="removed"),
    Item("华为 手机支架 暂停", "华为", 4, 49_00, sales=3, status="paused"),
    Item("小米 手机壳 下架", "小米", 4, 29_00, sales=2, on_shelf=False),
]


def names(*indexes: int) -> list[str]:
    return [ITEMS[i].name for i in indexes]


@pytest.fixture(scope="module")
async def stocked(module_pool: Pool) -> Pool:
    await module_pool.add(*ITEMS)
    return module_pool


def by_sales(**filters: Any) -> PoolQuery:
    return PoolQuery(sort=SortOrder.SALES, **filters)


async def test_category_filter_covers_its_descendants(stocked: Pool) -> None:
    assert await stocked.names(by_sales(category_id=3)) == names(0, 1)
    assert await stocked.names(by_sales(category_id=2)) == names(0, 1, 2, 6, 7)
    assert await stocked.names(by_sales(category_id=1)) == names(0, 1, 2, 3, 6, 7)
    assert await stocked.names(by_sales(category_id=10)) == names(4)
    assert await stocked.names(by_sales(category_id=999)) == []


async def test_brand_filter_is_exact(stocked: Pool) -> None:
    assert await stocked.names(by_sales(brand="小米")) == names(1, 7)
    assert await stocked.names(by_sales(brand="小")) == []


async def test_price_bounds_are_inclusive(stocked: Pool) -> None:
    assert await stocked.names(by_sales(min_price_fen=999_00)) == names(0, 1, 3)
    assert await stocked.names(by_sales(max_price_fen=199_00)) == names(2, 4, 6, 7)
    between = by_sales(min_price_fen=199_00, max_price_fen=1999_00)
    assert await stocked.names(between) == names(1, 2, 3)


async def test_in_stock_means_orderable_in_that_province(stocked: Pool) -> None:
    # in_stock, in_transit and allocatable can be ordered; out_of_stock and pre_order cannot.
    assert await stocked.names(by_sales(in_stock_province_id=1)) == names(0, 3)
    assert await stocked.names(by_sales(in_stock_province_id=2)) == names(1)
    assert await stocked.names(by_sales(in_stock_province_id=3)) == []


async def test_shelf_filter(stocked: Pool) -> None:
    assert await stocked.names(by_sales(on_shelf=False)) == names(7)
    assert len(await stocked.names(by_sales(on_shelf=True))) == 6


async def test_status_filter_and_removed_hidden_by_default(stocked: Pool) -> None:
    assert await stocked.names(by_sales()) == names(0, 1, 2, 3, 4, 6, 7)
    removed = by_sales(statuses=(ProductStatus.REMOVED,))
    assert await stocked.names(removed) == names(5)
    paused = by_sales(statuses=(ProductStatus.PAUSED, ProductStatus.REMOVED))
    assert await stocked.names(paused) == names(5, 6)


async def test_filters_combine_with_the_keyword(stocked: Pool) -> None:
    query = by_sales(
        keyword="手机",
        brand="华为",
        category_id=2,
        min_price_fen=100_00,
        in_stock_province_id=1,
        on_shelf=True,
    )
    assert await stocked.names(query) == names(0)
    assert await stocked.names(by_sales(keyword="耳机", brand="小米")) == []
