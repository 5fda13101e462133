"""Operators resolve a sub-order the saga held on an alarm: 取消并退款 cancels it and releases
its freeze once; 恢复处理 clears the hold and defers the saga again. Only operators and the
platform admin may; a sub-order not held is refused; another tenant's is not found."""

from __future__ import annotations

from typing import cast

import pytest

from hive.orders.errors import OrderNotFound, SubOrderNotHeld
from hive.orders.holds import cancel_held, release_held
from hive.orders.invariants import check_invariants
from hive.orders.submission import AdapterFor, Placement, place_sub_order
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_box
from hive.platform.validation import InvalidInput
from hive.suppliers.types import OrderLine
from tests.orders.order_pages_support import Orders, place_orders
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.billing import ledger_report, summary
from tests.support.openapi import sql
from tests.support.saga import MemorySupplier

__all__ = ["shop", "world"]

OPERATOR = Actor(user_id=None, username="operator", role=Role.OPERATOR.value)
ADMIN = Actor(user_id=None, username="admin", role=Role.PLATFORM_ADMIN.value)


def _tenant_user(tenant_id: int) -> Actor:
    return Actor(user_id=None, username="u", role=Role.TENANT_USER.value, tenant_id=tenant_id)


class Held:
    def __init__(self, orders: Orders, supplier: MemorySupplier, settings: Settings) -> None:
        self.orders, self.supplier, self.settings = orders, supplier, settings
        self.number = f"HV{orders.first.id:010d}-01"
        self.tenant = orders.shop.tenant
        self.database = orders.shop.world.database

    async def run_saga(self) -> Placement:
        return await place_sub_order(
            self.database,
            cast(AdapterFor, self.supplier.adapter_for),
            load_secret_box(self.settings),
            self.number,
        )


@pytest.fixture
async def held(shop: Shop, settings: Settings) -> Held:
    """acme's first order, its first sub-order held: the supplier has other lines under it."""
    supplier = MemorySupplier()
    found = Held(await place_orders(shop, settings), supplier, settings)
    supplier.plant(found.number, (OrderLine("999", 1, 100),))
    assert await found.run_saga() is Placement.HELD
    return found


async def _sub(held: Held) -> tuple[str, str | None, int]:
    rows = await sql(
        held.database,
        "SELECT status, held_reason, total_fen FROM sub_orders WHERE sub_order_no = :n",
        n=held.number,
    )
    return str(rows[0][0]), rows[0][1], int(rows[0][2])


async def _submission_jobs(held: Held) -> int:
    jobs = await sql(
        held.database,
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'hive.orders.submit_sub_order'"
        " AND status = 'todo' AND args->>'sub_order_no' = :n",
        n=held.number,
    )
    return int(jobs[0][0])


async def test_cancel_releases_the_freeze_once_and_is_audited(held: Held) -> None:
    before = (await summary(held.database, held.tenant)).frozen_fen
    _, _, total = await _sub(held)
    async with held.database.platform_transaction() as session:
        done = await cancel_held(session, OPERATOR, held.tenant, held.number, "供应商处订单有误")
    assert (done.status, done.held_reason) == ("cancelled", "third_order_mismatch")
    assert await _sub(held) == ("cancelled", None, total)
    assert (await summary(held.database, held.tenant)).frozen_fen == before - total
    async with held.database.platform_transaction() as session:
        with pytest.raises(SubOrderNotHeld):
            await cancel_held(session, OPERATOR, held.tenant, held.number, "again")
    assert (await summary(held.database, held.tenant)).frozen_fen == before - total
    audit = await sql(
        held.database,
        "SELECT action, details->>'reason', details->>'held_reason' FROM audit_log"
        " WHERE action LIKE 'orders.held%'",
    )
    assert [tuple(r) for r in audit] == [
        ("orders.held_cancelled", "供应商处订单有误", "third_order_mismatch")
    ]
    assert (await ledger_report(held.database)).in_balance
    await held.supplier.cancel_order(held.supplier.orders[held.number].supplier_order_id)
    report = await check_invariants(held.database, cast(AdapterFor, held.supplier.adapter_for))
    assert report.holds and report.held == [], report


async def test_release_clears_the_hold_and_the_saga_checks_again(held: Held) -> None:
    before = (await summary(held.database, held.tenant)).frozen_fen
    jobs_before = await _submission_jobs(held)
    async with held.database.platform_transaction() as session:
        done = await release_held(session, ADMIN, held.tenant, held.number, "已与供应商核对")
    assert (done.status, done.held_reason) == ("pending", "third_order_mismatch")
    assert await _sub(held) == ("pending", None, (await _sub(held))[2])
    assert await _submission_jobs(held) == jobs_before + 1  # the saga deferred again
    events = await sql(
        held.database, "SELECT count(*) FROM order_events WHERE event = :e", e="hold_released"
    )
    assert events[0][0] == 1
    assert (await summary(held.database, held.tenant)).frozen_fen == before  # money untouched
    # The supplier's side still differs: the saga's next run holds it again.
    assert await held.run_saga() is Placement.HELD
    assert (await _sub(held))[1] == "third_order_mismatch"


async def test_a_sub_order_not_held_is_refused_and_nothing_changes(held: Held) -> None:
    other = f"HV{held.orders.second.id:010d}-01"
    async with held.database.platform_transaction() as session:
        for action in (cancel_held, release_held):
            with pytest.raises(SubOrderNotHeld) as refused:
                await action(session, OPERATOR, held.tenant, other, "试试")
            assert refused.value.code == "sub_order_not_held"
    rows = await sql(
        held.database, "SELECT status FROM sub_orders WHERE sub_order_no = :n", n=other
    )
    assert rows[0][0] == "pending"


async def test_who_may_resolve(held: Held) -> None:
    beta = held.orders.shop.world.beta
    finance = Actor(user_id=None, username="f", role=Role.FINANCE.value)
    async with held.database.platform_transaction() as session:
        for action in (cancel_held, release_held):
            with pytest.raises(PermissionDenied):
                await action(session, finance, held.tenant, held.number, "x")
            with pytest.raises(PermissionDenied):
                await action(session, _tenant_user(held.tenant), held.tenant, held.number, "x")
            with pytest.raises(OrderNotFound):  # another tenant's: not found, never a leak
                await action(session, _tenant_user(beta), held.tenant, held.number, "x")
            with pytest.raises(OrderNotFound):  # the wrong tenant for the number
                await action(session, OPERATOR, beta, held.number, "x")
            with pytest.raises(InvalidInput):
                await action(session, OPERATOR, held.tenant, held.number, "  ")
    assert (await _sub(held))[1] == "third_order_mismatch"


async def test_releasing_a_split_mismatch_reads_it_from_the_supplier_again(held: Held) -> None:
    number = f"HV{held.orders.second.id:010d}-01"
    await sql(
        held.database,
        "UPDATE sub_orders SET status = 'confirmed', upstream_order_id = '777',"
        " held_reason = 'split_mismatch' WHERE sub_order_no = :n",
        n=number,
    )
    async with held.database.platform_transaction() as session:
        done = await release_held(session, OPERATOR, held.tenant, number, "拆单已核对")
    assert (done.status, done.held_reason) == ("confirmed", "split_mismatch")
    jobs = await sql(
        held.database,
        "SELECT args->>'via' FROM procrastinate_jobs WHERE task_name = 'hive.orders.sync_sub_order'"
        " AND args->>'sub_order_no' = :n",
        n=number,
    )
    assert [row[0] for row in jobs] == ["operator"]
