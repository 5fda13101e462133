"""Catalogue, price and stock calls map the supplier's answers to our types (fen, enums)."""

from __future__ import annotations

from hive.platform.db import Database
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area, OrderLine, SearchQuery, SearchSort, StockState
from tests.support.vop import AdapterKit, Simulator, register_vop

BEIJING_CHAOYANG = Area(province=1, city=72, county=2799, town=0)


async def test_adapter_satisfies_the_protocol(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    assert isinstance(adapter, SupplierAdapter)


async def test_search_details_prices_and_stock(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    result = await adapter.search(
        SearchQuery(keyword="手机", sort=SearchSort.SALES_DESC, page_size=10)
    )
    assert result.total > 0
    assert len(result.hits) == 10
    assert result.brands and all(facet.count > 0 for facet in result.brands)
    skus = [hit.sku for hit in result.hits]

    # A SKU that is not (or no longer) in the pool is absent; the others keep their order.
    details = await adapter.product_details([skus[0], "999999999999", *skus[1:3]])
    assert [d.sku for d in details] == skus[:3]
    assert all(d.name and d.category_ids for d in details)

    # Search may show a SKU that has just left our pool; such a SKU simply gets no price.
    quotes = await adapter.prices(skus)
    assert {q.sku for q in quotes} <= set(skus)
    assert len(quotes) >= 0.7 * len(skus)
    assert all(
        isinstance(q.purchase_fen, int) and 0 < q.purchase_fen <= q.retail_fen for q in quotes
    )
    skus = [q.sku for q in quotes]

    levels = await adapter.stock([(sku, 1) for sku in skus], BEIJING_CHAOYANG)
    assert {level.sku for level in levels} == set(skus)
    assert all(isinstance(level.state, StockState) for level in levels)

    shelf = await adapter.shelf_states(skus)
    assert set(shelf) == set(skus)
    checks = await adapter.sale_checks(skus)
    assert {c.sku for c in checks} == set(skus)
    limits = await adapter.area_limits(skus, BEIJING_CHAOYANG)
    assert set(limits) == set(skus)
    freight = await adapter.freight(
        [OrderLine(skus[0], 1, quotes[0].purchase_fen)], BEIJING_CHAOYANG
    )
    assert freight >= 0


async def test_batches_over_one_hundred_are_split(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    page1 = await adapter.search(SearchQuery(keyword="手机", page_size=100))
    page2 = await adapter.search(SearchQuery(keyword="手机", page=2, page_size=100))
    skus = [hit.sku for hit in page1.hits + page2.hits]
    assert len(set(skus)) > 100
    quotes = await adapter.prices(skus)
    assert len(quotes) >= 0.9 * len(set(skus))
    assert {q.sku for q in quotes} <= set(skus)


async def test_a_sku_outside_the_pool_does_not_spoil_its_batch(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    hits = (await adapter.search(SearchQuery(keyword="手机", page_size=40))).hits
    skus = [q.sku for q in await adapter.prices([hit.sku for hit in hits])][:10]
    unknown = "999999999999"
    quotes = await adapter.prices([*skus[:5], unknown, *skus[5:]])
    assert {q.sku for q in quotes} == set(skus)


async def test_reference_data_and_ratings(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    categories = await adapter.categories()
    by_id = {c.category_id: c for c in categories}
    assert by_id[9987].name == "手机" and by_id[9987].level == 1
    assert by_id[655].parent_id == 653 and by_id[655].level == 3
    assert {c.level for c in categories} == {1, 2, 3}

    provinces = await adapter.child_areas(None, 1)
    assert {"北京": 1, "上海": 2}.items() <= {p.name: p.area_id for p in provinces}.items()
    cities = await adapter.child_areas(1, 2)
    assert all(c.parent_id == 1 and c.level == 2 for c in cities)
    assert await adapter.child_areas(2799, 4) == []  # 三环以内 has no towns

    hits = (await adapter.search(SearchQuery(keyword="手机", page_size=5))).hits
    ratings = await adapter.ratings([hit.sku for hit in hits])
    assert {r.sku for r in ratings} == {hit.sku for hit in hits}
    assert all(0 <= r.good_rate <= 1 and r.comment_count >= 0 for r in ratings)
