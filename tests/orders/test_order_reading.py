"""Reading orders as their tenant: one order with lines, sub-orders and timeline (receiver
masked), a filtered and paged list; another tenant's order is not found, never shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hive.orders import service as orders
from hive.orders.errors import OrderNotFound
from hive.platform.validation import InvalidInput
from tests.orders.test_order_acceptance import Shop, buyer, place, request, shop, world

__all__ = ["shop", "world"]


async def test_a_tenant_reads_its_order_with_lines_sub_orders_and_timeline(shop: Shop) -> None:
    placed = (await place(shop, request(shop))).order
    async with shop.world.database.tenant_transaction(shop.tenant) as session:
        view = await orders.get_order(session, buyer(shop.tenant), shop.tenant, "PO-1001")
    assert view.order.id == placed.id and view.order.receiver_mobile_masked == "138****0000"
    assert [(line.line_no, line.sub_order_no[-2:]) for line in view.lines] == [
        (1, "01"),
        (2, "02"),
        (3, "01"),
    ]
    assert [sub.status for sub in view.sub_orders] == ["pending", "pending"]
    assert [event.event for event in view.timeline] == ["accepted"]


async def test_another_tenants_order_is_not_found(shop: Shop) -> None:
    await place(shop, request(shop))
    beta = shop.world.beta
    async with shop.world.database.tenant_transaction(beta) as session:
        with pytest.raises(OrderNotFound):
            await orders.get_order(session, buyer(beta), beta, "PO-1001")
        with pytest.raises(OrderNotFound):
            await orders.get_order(session, buyer(beta), shop.tenant, "PO-1001")
        page = await orders.list_orders(session, buyer(beta), beta)
    assert page.total == 0


async def test_the_list_filters_by_status_and_time_and_pages(shop: Shop) -> None:
    for number in range(3):
        await place(shop, request(shop, order_no=f"PO-{number}"))
    actor = buyer(shop.tenant)
    async with shop.world.database.tenant_transaction(shop.tenant) as session:
        first = await orders.list_orders(session, actor, shop.tenant, page_size=2)
        second = await orders.list_orders(session, actor, shop.tenant, page=2, page_size=2)
        accepted = await orders.list_orders(session, actor, shop.tenant, status="accepted")
        shipped = await orders.list_orders(session, actor, shop.tenant, status="shipped")
        later = await orders.list_orders(
            session, actor, shop.tenant, created_after=datetime.now(UTC) + timedelta(minutes=1)
        )
        for bad in ({"status": "lost"}, {"page": 0}, {"page_size": 101}):
            with pytest.raises(InvalidInput):
                await orders.list_orders(session, actor, shop.tenant, **bad)  # type: ignore[arg-type]
    assert [o.order_no for o in first.orders + second.orders] == ["PO-2", "PO-1", "PO-0"]
    assert (first.total, accepted.total, shipped.total, later.total) == (3, 3, 0, 0)
