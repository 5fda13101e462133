"""Demo orders: after the demo data, the demo orders job (run by a worker, with the submission
jobs the acceptances defer) leaves acme one order resting in each state, placed through the
real order services on the self-run warehouse; its money matches its orders, and seeding the
orders again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from hive.billing import service as billing
from hive.billing.reconciliation import check_ledger
from hive.customers.service import find_tenant_by_code
from hive.demo import DEMO_TOP_UP_FEN, SEED_ACTOR, seed_demo_data
from hive.demo_orders import DEMO_ORDERS, seed_demo_orders
from hive.orders import stats
from hive.orders.demo_tasks import defer_demo_orders
from hive.orders.status import OrderStatus
from hive.platform.actor import SYSTEM
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, run_worker
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.warehouse.adapter import WarehouseAdapter

ORDERS = """
SELECT o.order_no, o.status, o.total_fen, f.amount_fen, f.open_balance_fen + f.open_credit_fen,
       f.captured_fen, f.released_fen
FROM orders o JOIN tenants t ON t.id = o.tenant_id
JOIN sub_orders s ON s.order_id = o.id
LEFT JOIN freezes f ON f.tenant_id = o.tenant_id AND f.reference = s.sub_order_no
WHERE t.code = 'acme' ORDER BY o.order_no
"""
# Everything a run could write: a second run must leave every count as it was.
FOOTPRINT = """
SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM sub_orders),
       (SELECT count(*) FROM order_events), (SELECT count(*) FROM order_waybills),
       (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM freezes),
       (SELECT count(*) FROM warehouse_orders), (SELECT count(*) FROM warehouse_movements),
       (SELECT count(*) FROM warehouse_batches), (SELECT count(*) FROM warehouse_outbox),
       (SELECT count(*) FROM products),
       (SELECT count(*) FROM library_items), (SELECT count(*) FROM audit_log),
       (SELECT count(*) FROM selection_records), (SELECT count(*) FROM procrastinate_jobs)
"""
JOBS = """
SELECT task_name, status::text, count(*) FROM procrastinate_jobs WHERE queue_name = 'orders'
GROUP BY 1, 2 ORDER BY 1, 2
"""
EVENTS = """
SELECT e.to_status FROM order_events e JOIN orders o ON o.id = e.order_id
WHERE o.order_no = :no AND e.outcome = 'moved' AND e.sub_order_id IS NOT NULL ORDER BY e.id
"""


def _adapters(database: Database):  # type: ignore[no-untyped-def]
    async def adapter_for(supplier_id: int) -> SupplierAdapter:
        return WarehouseAdapter(database, supplier_id)

    return adapter_for


async def _seed(database: Database, settings: Settings) -> None:
    await seed_demo_data(database, settings)
    assert await seed_demo_orders(database, _adapters(database), settings)


async def test_acme_has_one_order_in_each_state_and_its_money_matches_them(
    database: Database, settings: Settings, job_runtime: JobRuntime
) -> None:
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        await defer_demo_orders(session)  # as the demo distribution fill does
    await run_worker(job_runtime, wait=False, queues=["orders"])
    # The submission and upstream-cancel jobs the services deferred: they find nothing to do.
    await run_worker(job_runtime, wait=False, queues=["orders"])
    async with database.platform_transaction() as session:
        rows = (await session.execute(text(ORDERS))).all()
        completed = (await session.execute(text(EVENTS), {"no": "DEMO-0001"})).scalars().all()
        acme = await find_tenant_by_code(session, "acme")
        account = await billing.account_summary(session, SEED_ACTOR, acme.id)
        report = await check_ledger(session, SYSTEM)
        jobs = (await session.execute(text(JOBS))).all()
        # What the admin dashboard (today) and the workbench home (by status) show.
        today = await stats.platform_today(session, SEED_ACTOR, datetime.now(UTC))
        workbench = await stats.count_by_status(session, SEED_ACTOR, acme.id)
    assert ("hive.orders.seed_demo_orders", "succeeded", 1) in jobs
    assert {status for _, status, _ in jobs} == {"succeeded"}, jobs
    states = {no: status for no, status, *_ in rows}
    wanted = {order.state for order in DEMO_ORDERS}
    assert states == {order.order_no: order.state.value for order in DEMO_ORDERS}
    assert len(set(states.values())) == len(DEMO_ORDERS) == 6
    assert completed == ["submitted", "confirmed", "shipped", "delivered", "completed"]
    for no, status, total, frozen, still_held, captured, released in rows:
        assert frozen == total > 0, no  # each order's whole total was frozen on acceptance
        held = total if status in ("confirmed", "shipped", "delivered") else 0
        assert (still_held, captured) == (held, total if status == "completed" else 0), no
        assert released == (total if status in ("cancelled", "failed") else 0), no
    open_fen = sum(row[4] for row in rows)
    captured_fen = sum(row[5] for row in rows)
    assert account.frozen_fen == open_fen > 0
    assert account.available_fen == DEMO_TOP_UP_FEN - open_fen - captured_fen
    assert captured_fen > 0
    assert report.in_balance, report
    assert workbench == dict.fromkeys(states.values(), 1)
    assert [f.status for f in today.by_status] == [s.value for s in OrderStatus if s in wanted]
    assert (today.orders, today.gmv_fen) == (6, sum(row[2] for row in rows))
    assert today.margin_fen > 0


async def test_seeding_the_demo_orders_again_changes_nothing(
    database: Database, settings: Settings
) -> None:
    await _seed(database, settings)
    async with database.platform_transaction() as session:
        first = (await session.execute(text(FOOTPRINT))).one()
        orders = (await session.execute(text(ORDERS))).all()
    await _seed(database, settings)
    async with database.platform_transaction() as session:
        second = (await session.execute(text(FOOTPRINT))).one()
        again = (await session.execute(text(ORDERS))).all()
    assert first == second
    assert orders == again
