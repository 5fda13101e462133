"""Catalogue, prices, stock and freight answers of the warehouse adapter."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hive.suppliers.types import (
    OrderLine,
    SearchQuery,
    SearchSort,
    StockLevel,
    StockState,
)
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse import service
from hive.suppliers.warehouse.errors import InvalidSearch
from hive.suppliers.warehouse.rules import WarehouseRules
from tests.suppliers.warehouse.conftest import (
    BEIJING,
    OPERATOR,
    SHANGHAI,
    TIBET,
    Shop,
    order,
)


async def _more_products(shop: Shop) -> None:
    async with shop.database.platform_transaction() as session:
        for sku, name, brand, cat, price in [
            ("MILK-2", "光明 低脂牛奶 1L", "光明", 100, 1_200),
            ("MILK-3", "蒙牛 纯牛奶 250ml", "蒙牛", 100, 300),
            ("ODD-1", "100% 纯 果汁_特价", "汇源", 400, 800),
        ]:
            data = service.ProductInput(sku, name, brand, cat, price, price + 100)
            await service.create_product(session, OPERATOR, shop.supplier_id, data)
        await service.set_shelf(session, OPERATOR, shop.supplier_id, "MILK-2", False)


async def test_keyword_search_matches_name_brand_or_sku_on_shelf_only(shop: Shop) -> None:
    await _more_products(shop)
    result = await shop.adapter.search(SearchQuery(keyword="牛奶"))
    assert [h.sku for h in result.hits] == ["MILK-1", "MILK-3"]  # MILK-2 is off shelf
    assert result.total == 2
    assert {(f.value, f.count) for f in result.brands} == {("光明", 1), ("蒙牛", 1)}
    assert [(f.value, f.count) for f in result.categories] == [("100", 2)]

    by_brand = await shop.adapter.search(SearchQuery(keyword="光明"))
    assert [h.sku for h in by_brand.hits] == ["MILK-1"]
    assert by_brand.hits[0].retail_fen == 450


async def test_like_wildcards_in_keywords_are_literal(shop: Shop) -> None:
    await _more_products(shop)
    assert [h.sku for h in (await shop.adapter.search(SearchQuery(keyword="100%"))).hits] == [
        "ODD-1"
    ]
    assert (await shop.adapter.search(SearchQuery(keyword="%"))).total == 1
    assert (await shop.adapter.search(SearchQuery(keyword="_"))).total == 1


async def test_filters_sorting_and_paging(shop: Shop) -> None:
    await _more_products(shop)
    cheap_first = await shop.adapter.search(SearchQuery(category_id=100, sort=SearchSort.PRICE_ASC))
    assert [h.sku for h in cheap_first.hits] == ["MILK-3", "MILK-1"]
    ranged = await shop.adapter.search(
        SearchQuery(min_price_fen=800, max_price_fen=12_000, sort=SearchSort.PRICE_DESC)
    )
    assert [h.sku for h in ranged.hits] == ["TEA-1", "RICE-5", "ODD-1"]
    brands = await shop.adapter.search(SearchQuery(brands=("五常", "狮峰")))
    assert sorted(h.sku for h in brands.hits) == ["RICE-5", "TEA-1"]
    page_two = await shop.adapter.search(SearchQuery(page=2, page_size=2))
    assert page_two.total == 5
    assert [h.sku for h in page_two.hits] == ["TEA-1", "MILK-3"]


@pytest.mark.parametrize(
    "query", [SearchQuery(page=0), SearchQuery(page_size=0), SearchQuery(page_size=101)]
)
async def test_bad_paging_is_refused(shop: Shop, query: SearchQuery) -> None:
    with pytest.raises(InvalidSearch):
        await shop.adapter.search(query)


async def test_details_images_shelf_sale_checks_and_prices(shop: Shop) -> None:
    skus = ["TEA-1", "NOPE", "RICE-5"]
    details = await shop.adapter.product_details(skus)
    assert [(d.sku, d.brand, d.category_ids) for d in details] == [
        ("TEA-1", "狮峰", (300,)),
        ("RICE-5", "五常", (200,)),
    ]
    assert await shop.adapter.images(skus) == {"TEA-1": ["https://img/tea.jpg"], "RICE-5": []}
    async with shop.database.platform_transaction() as session:
        await service.set_shelf(session, OPERATOR, shop.supplier_id, "RICE-5", False)
    assert await shop.adapter.shelf_states(skus) == {"TEA-1": True, "RICE-5": False}
    checks = {c.sku: c.can_sell for c in await shop.adapter.sale_checks(skus)}
    assert checks == {"TEA-1": True, "NOPE": False, "RICE-5": False}
    prices = await shop.adapter.prices(skus)
    assert [(p.sku, p.purchase_fen, p.retail_fen) for p in prices] == [
        ("TEA-1", 12_000, 15_800),
        ("RICE-5", 5_000, 6_990),
    ]


async def test_stock_by_area_counts_sellable_units_of_serving_warehouses(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 6)
    await shop.receive("SH", "RICE-5", "R2", 4)
    await shop.receive("BJ", "RICE-5", "B1", 50)
    await shop.receive("SH", "MILK-1", "M1", 5, expires_in_days=1)
    await shop.adapter.submit_order(order("S1", ("RICE-5", 3, 5_000)))
    wanted = [("RICE-5", 7), ("RICE-5", 8), ("TEA-1", 1), ("NOPE", 1)]

    levels = await shop.adapter.stock(wanted, SHANGHAI)

    assert levels == [
        StockLevel("RICE-5", StockState.IN_STOCK, 7),
        StockLevel("RICE-5", StockState.OUT_OF_STOCK, 7),
        StockLevel("TEA-1", StockState.OUT_OF_STOCK, 0),
        StockLevel("NOPE", StockState.NO_GOODS, 0),
    ]
    assert (await shop.adapter.stock([("RICE-5", 50)], BEIJING))[0].remaining == 50
    assert (await shop.adapter.stock([("RICE-5", 1)], TIBET))[0].state is StockState.NO_GOODS


async def test_area_limits_need_a_serving_warehouse_holding_the_sku(shop: Shop) -> None:
    await shop.receive("BJ", "TEA-1", "T1", 2)
    await shop.receive("SH", "RICE-5", "R1", 2)
    skus = ["TEA-1", "RICE-5", "NOPE"]
    assert await shop.adapter.area_limits(skus, BEIJING) == {
        "TEA-1": True,
        "RICE-5": False,
        "NOPE": False,
    }
    assert await shop.adapter.area_limits(skus, SHANGHAI) == {
        "TEA-1": False,
        "RICE-5": True,
        "NOPE": False,
    }


async def test_checks_asked_at_once_share_one_read_and_nothing_is_kept(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    await shop.receive("SH", "RICE-5", "R1", 6)
    reads: list[list[str]] = []
    real = repo.sellable_by_sku

    async def counted(*args: Any) -> dict[str, int]:
        reads.append(list(args[2]))
        await asyncio.sleep(0.05)  # still in flight when the second check asks
        return await real(*args)

    monkeypatch.setattr(repo, "sellable_by_sku", counted)
    skus = ["RICE-5", "TEA-1"]
    limits, levels = await asyncio.gather(
        shop.adapter.area_limits(skus, SHANGHAI),
        shop.adapter.stock([("TEA-1", 1), ("RICE-5", 6)], SHANGHAI),
    )
    assert limits == {"RICE-5": True, "TEA-1": False}
    assert levels == [
        StockLevel("TEA-1", StockState.OUT_OF_STOCK, 0),
        StockLevel("RICE-5", StockState.IN_STOCK, 6),
    ]
    assert reads == [["RICE-5", "TEA-1"]]  # one read for both
    await shop.receive("SH", "TEA-1", "T1", 2)
    again = await shop.adapter.stock([("TEA-1", 1), ("RICE-5", 6)], SHANGHAI)
    assert again[0].remaining == 2  # the same SKUs later: read again, nothing kept
    assert len(reads) == 2


async def test_freight_is_flat_below_the_threshold_and_free_from_it(shop: Shop) -> None:
    rules = WarehouseRules(free_freight_threshold_fen=10_000, flat_freight_fen=600)
    adapter = shop.adapter.__class__(shop.database, shop.supplier_id, rules=rules)
    assert await adapter.freight([OrderLine("MILK-1", 2, 350)], SHANGHAI) == 600
    assert await adapter.freight([OrderLine("RICE-5", 2, 5_000)], SHANGHAI) == 0
    assert await adapter.freight([OrderLine("RICE-5", 1, 9_999)], SHANGHAI) == 600
    assert await adapter.freight([], SHANGHAI) == 0
