"""The warehouse's change feed: produced in the same transaction, fetched, acknowledged."""

from __future__ import annotations

import pytest

from hive.suppliers.errors import OutOfStock
from hive.suppliers.types import MessageType
from hive.suppliers.warehouse import orders, service
from tests.suppliers.warehouse.conftest import OPERATOR, Shop, order


async def test_shelf_price_and_order_changes_reach_the_feed_until_acked(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    async with shop.database.platform_transaction() as session:
        await service.set_shelf(session, OPERATOR, shop.supplier_id, "TEA-1", False)
        await service.set_shelf(session, OPERATOR, shop.supplier_id, "TEA-1", False)  # no change
        await service.set_price(session, OPERATOR, shop.supplier_id, "RICE-5", 5_100, 7_000)
    placed = await shop.adapter.submit_order(order("M1", ("RICE-5", 1, 5_100)))
    await shop.adapter.cancel_order(placed.supplier_order_id)

    messages = await shop.adapter.fetch_messages([])
    assert [m.type for m in messages] == [
        MessageType.SHELF_CHANGED,
        MessageType.PRICE_CHANGED,
        MessageType.ORDER_CREATED,
        MessageType.ORDER_CANCELLED,
    ]
    assert messages[0].payload == {"sku": "TEA-1", "on_shelf": False}
    assert messages[3].payload["supplier_order_id"] == placed.supplier_order_id

    shelf_only = await shop.adapter.fetch_messages([MessageType.SHELF_CHANGED])
    assert [m.message_id for m in shelf_only] == [messages[0].message_id]

    await shop.adapter.ack_messages([messages[0].message_id, messages[1].message_id, "junk"])
    await shop.adapter.ack_messages([messages[0].message_id])  # a repeat is harmless
    remaining = await shop.adapter.fetch_messages([])
    assert [m.message_id for m in remaining] == [m.message_id for m in messages[2:]]


async def test_messages_of_a_refused_change_never_exist(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 1)
    with pytest.raises(OutOfStock):
        await shop.adapter.submit_order(order("M2", ("RICE-5", 2, 5_000)))
    assert await shop.adapter.fetch_messages([]) == []


async def test_shipping_and_delivery_are_announced(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 5)
    placed = await shop.adapter.submit_order(order("M3", ("RICE-5", 1, 5_000), direct=True))
    async with shop.database.platform_transaction() as session:
        await orders.advance_order(
            session,
            OPERATOR,
            shop.supplier_id,
            placed.supplier_order_id,
            "shipped",
            carrier="SF",
            waybill_no="W",
        )
        await orders.advance_order(
            session, OPERATOR, shop.supplier_id, placed.supplier_order_id, "delivered"
        )
    types = [m.type for m in await shop.adapter.fetch_messages([])]
    assert types == [
        MessageType.ORDER_CREATED,
        MessageType.ORDER_SHIPPED,
        MessageType.ORDER_DELIVERED,
    ]
