"""Cancelling orders: over the Open API by the tenant, by an operator through the service; a
sub-order not yet placed is cancelled at once with its money released, a placed one through
the supplier (the real warehouse adapter), a shipped one refuses with order_not_cancellable."""

from __future__ import annotations

import asyncio

import pytest

from hive.orders.cancellation import cancel_order
from hive.orders.cancellation_tasks import cancel_upstream
from hive.orders.errors import OrderNotFound
from hive.orders.lifecycle import apply_event
from hive.orders.status import SubOrderEvent
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role
from hive.platform.validation import InvalidInput
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area, OrderLine, Recipient, UpstreamOrderRequest
from hive.suppliers.warehouse import orders as warehouse_orders
from hive.suppliers.warehouse.adapter import WarehouseAdapter
from tests.orders.test_orders_open_api import ORDERS
from tests.support.billing import ledger_report, summary
from tests.support.openapi import call, sql
from tests.support.orders import STOCK_KEEPER, OrderWorld, order_world, stock_product

OPERATOR = Actor(user_id=None, username="operator", role=Role.OPERATOR.value)
FINANCE = Actor(user_id=None, username="finance", role=Role.FINANCE.value)


@pytest.fixture
async def acme(database: Database, open_settings: Settings) -> OrderWorld:
    world = await order_world(database, open_settings)
    await stock_product(world, "TEA", 12_000, 50)
    return world


async def _placed(world: OrderWorld, gateway: str, order_no: str) -> str:
    """An order of one TEA; its sub-order number."""
    answer = await call(gateway, world.app, "POST", ORDERS, json=world.body(order_no, ("TEA", 1)))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["sub_orders"][0]["sub_order_no"])


async def _place_upstream(world: OrderWorld, sub_order_no: str) -> str:
    """What the submission saga does: the sub-order placed with the warehouse, recorded."""
    adapter = WarehouseAdapter(world.database, world.supplier_id)
    request = UpstreamOrderRequest(
        order_no=sub_order_no,
        lines=(OrderLine("TEA", 1, 6_000),),
        recipient=Recipient("张三", "13812345678", "人民路 1 号", Area(2, 2813, 51976)),
    )
    upstream = await adapter.submit_order(request)
    await sql(
        world.database,
        "UPDATE sub_orders SET upstream_order_id = :u WHERE sub_order_no = :n",
        u=upstream.supplier_order_id,
        n=sub_order_no,
    )
    async with world.database.platform_transaction() as session:
        await apply_event(session, sub_order_no, SubOrderEvent.PLACED, source="system")
    return upstream.supplier_order_id


def _adapters(world: OrderWorld):  # type: ignore[no-untyped-def]
    async def adapter_for(supplier_id: int) -> SupplierAdapter:
        return WarehouseAdapter(world.database, supplier_id)

    return adapter_for


async def test_an_order_not_yet_placed_is_cancelled_at_once_and_its_money_released(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    sub_no = await _placed(acme, gateway, "PO-1")
    assert (
        await summary(database, acme.app.tenant_id)
    ).frozen_fen == 12_000 + 800  # goods + the warehouse's flat freight
    path = f"{ORDERS}/PO-1/cancel"
    answer = await call(gateway, acme.app, "POST", path, json={"reason": "买错了"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["cancelled"] == [sub_no] and answer.json()["cancelling"] == []
    assert answer.json()["order"]["status"] == "cancelled"
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == 0
    again = await call(gateway, acme.app, "POST", path, json={})
    assert again.status_code == 200 and again.json()["already_final"] == [sub_no]
    report = await ledger_report(database)
    assert report.in_balance, report


async def test_a_shipped_order_is_not_cancellable_and_nothing_changes(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    sub_no = await _placed(acme, gateway, "PO-2")
    async with database.platform_transaction() as session:
        await apply_event(session, sub_no, SubOrderEvent.SHIPPED, source="supplier")
    answer = await call(gateway, acme.app, "POST", f"{ORDERS}/PO-2/cancel", json={})
    assert answer.status_code == 409 and answer.json()["code"] == "order_not_cancellable"
    assert answer.json()["details"]["sub_orders"] == [{"sub_order_no": sub_no, "status": "shipped"}]
    assert (
        await summary(database, acme.app.tenant_id)
    ).frozen_fen == 12_000 + 800  # goods + the warehouse's flat freight


async def test_a_placed_order_is_cancelled_through_the_supplier(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    sub_no = await _placed(acme, gateway, "PO-3")
    upstream_id = await _place_upstream(acme, sub_no)
    answer = await call(gateway, acme.app, "POST", f"{ORDERS}/PO-3/cancel", json={})
    assert answer.status_code == 200, answer.text
    assert (
        answer.json()["cancelling"] == [sub_no] and answer.json()["order"]["status"] == "submitted"
    )
    jobs = await sql(
        database,
        "SELECT args->>'sub_order_no' FROM procrastinate_jobs "
        "WHERE task_name = 'hive.orders.cancel_upstream' AND status = 'todo'",
    )
    assert [row[0] for row in jobs] == [sub_no]
    twice = await call(gateway, acme.app, "POST", f"{ORDERS}/PO-3/cancel", json={})
    assert twice.status_code == 200  # the waiting job is not deferred a second time
    assert (
        len(
            await sql(
                database,
                "SELECT 1 FROM procrastinate_jobs WHERE task_name = 'hive.orders.cancel_upstream'",
            )
        )
        == 1
    )
    assert (
        await summary(database, acme.app.tenant_id)
    ).frozen_fen == 12_000 + 800  # goods + the warehouse's flat freight
    decision = await cancel_upstream(database, _adapters(acme), sub_no)
    assert decision is not None and decision.status.value == "cancelled"
    upstream = await WarehouseAdapter(database, acme.supplier_id).order_detail(upstream_id)
    assert upstream.status.value == "cancelled"
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == 0
    read = await call(gateway, acme.app, "GET", f"{ORDERS}/PO-3")
    assert read.json()["status"] == "cancelled"
    assert await cancel_upstream(database, _adapters(acme), sub_no) is None  # a retry: no-op


async def test_a_supplier_refusing_the_cancel_is_recorded_and_the_money_stays_frozen(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    sub_no = await _placed(acme, gateway, "PO-4")
    upstream_id = await _place_upstream(acme, sub_no)
    adapter = WarehouseAdapter(database, acme.supplier_id)
    await adapter.confirm_order(upstream_id)
    async with database.platform_transaction() as session:
        await warehouse_orders.advance_order(
            session,
            STOCK_KEEPER,
            acme.supplier_id,
            upstream_id,
            "shipped",
            carrier="顺丰",
            waybill_no="SF1",
        )
    answer = await call(gateway, acme.app, "POST", f"{ORDERS}/PO-4/cancel", json={})
    assert answer.status_code == 200 and answer.json()["cancelling"] == [sub_no]
    assert await cancel_upstream(database, _adapters(acme), sub_no) is None
    read = (await call(gateway, acme.app, "GET", f"{ORDERS}/PO-4")).json()
    assert read["status"] == "submitted"
    assert read["timeline"][-1]["event"] == "cancel_refused"
    assert read["timeline"][-1]["outcome"] == "refused"
    assert (
        await summary(database, acme.app.tenant_id)
    ).frozen_fen == 12_000 + 800  # goods + the warehouse's flat freight


async def test_operators_cancel_any_tenants_order_and_are_audited(
    gateway: str, acme: OrderWorld, database: Database, open_settings: Settings
) -> None:
    await _placed(acme, gateway, "PO-5")
    tenant = acme.app.tenant_id
    async with database.platform_transaction() as session:
        with pytest.raises(PermissionDenied):
            await cancel_order(session, FINANCE, tenant, "PO-5", "")
    async with database.platform_transaction() as session:
        done = await cancel_order(session, OPERATOR, tenant, "PO-5", "客户来电要求取消")
    assert done.order.status == "cancelled"
    audit = await sql(
        database,
        "SELECT actor_name, details->>'reason' FROM audit_log WHERE action = 'orders.cancel'",
    )
    assert [tuple(row) for row in audit] == [("operator", "客户来电要求取消")]
    events = await sql(database, "SELECT source FROM order_events WHERE event = 'cancelled'")
    assert [row[0] for row in events] == ["operator"]
    globex = await order_world(database, open_settings, "globex", supplier_id=acme.supplier_id)
    refused = await call(gateway, globex.app, "POST", f"{ORDERS}/PO-5/cancel", json={})
    assert refused.status_code == 404 and refused.json()["code"] == "order_not_found"
    async with database.platform_transaction() as session:
        with pytest.raises(OrderNotFound):
            await cancel_order(session, acme_user(globex.app.tenant_id), tenant, "PO-5", "")


def acme_user(tenant_id: int) -> Actor:
    return Actor(user_id=None, username="u", role=Role.TENANT_USER.value, tenant_id=tenant_id)


async def test_a_long_or_multi_line_reason_is_refused(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    await _placed(acme, gateway, "PO-6")
    tenant = acme.app.tenant_id
    for reason in ("x" * 201, "第一行\n第二行"):
        async with database.platform_transaction() as session:
            with pytest.raises(InvalidInput):
                await cancel_order(session, acme_user(tenant), tenant, "PO-6", reason)
    answer = await call(
        gateway, acme.app, "POST", f"{ORDERS}/PO-6/cancel", json={"reason": "x" * 201}
    )
    assert answer.status_code == 422


async def test_acceptance_and_every_move_tell_the_tenant_in_the_feed(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    sub_no = await _placed(acme, gateway, "PO-EV")
    await call(gateway, acme.app, "POST", f"{ORDERS}/PO-EV/cancel", json={})
    # The feed holds an event back while any older transaction of the server is in flight
    # (docs/tenant-events.md): wait for both, never for a fixed time.
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        feed = await call(gateway, acme.app, "GET", "/open/v1/messages")
        events = [m for m in feed.json()["items"] if m["type"] == "order.status_changed"]
        if len(events) >= 2 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    moves = [
        (e["payload"]["sub_order_no"], e["payload"]["from"], e["payload"]["to"], e["sequence"])
        for e in events
    ]
    assert moves == [(None, None, "accepted", 1), (sub_no, "pending", "cancelled", 2)]
    assert events[1]["payload"]["order_no"] == "PO-EV"
    assert events[1]["payload"]["order_status"] == "cancelled"
    assert "occurred_at" in events[1]["payload"]
    assert "13812345678" not in feed.text and "张三" not in feed.text
