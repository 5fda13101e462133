"""The account balance and product images through the adapter, against the simulator."""

from __future__ import annotations

from hive.platform.db import Database
from hive.suppliers.types import SearchQuery
from tests.support.vop import AdapterKit, Simulator, register_vop
from tests.support.vop_orders import orderable_skus, place_order


async def test_balance_is_the_prepaid_account_in_fen_and_follows_orders(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    start = await adapter.balance()
    assert start == simulator.config.initial_balance_fen
    skus = await orderable_skus(adapter, simulator, 2)
    placed = await place_order(adapter, skus, "HV-BAL-1")
    assert await adapter.balance() == start - placed.total_fen
    await adapter.cancel_order(placed.supplier_order_id)  # refunded in full
    assert await adapter.balance() == start


async def test_images_are_listed_per_sku_primary_first(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    hits = (await adapter.search(SearchQuery(keyword="手机", page_size=30))).hits
    skus = [q.sku for q in await adapter.prices([hit.sku for hit in hits])][:3]
    outside = "999999999999"  # not in the pool: no images, and no failure for the others

    images = await adapter.images([*skus, outside])
    assert set(images) == set(skus)
    details = {d.sku: d for d in await adapter.product_details(skus)}
    for sku in skus:
        assert len(images[sku]) == 5 and len(set(images[sku])) == 5
        assert all(path.startswith("jfs/") for path in images[sku])
        assert images[sku][0] == details[sku].image_url  # the primary image comes first
