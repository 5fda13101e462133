"""The submission saga on real PostgreSQL against a supplier in memory: placed and confirmed
exactly once, looked up by thirdOrder after a lost answer or a crash, refusals fail the
sub-order and release its share, a mismatched thirdOrder is an alarm, a cancellation during
the submission cancels the upstream order; the invariants hold after each."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from structlog.testing import capture_logs

from hive.orders import repository
from hive.orders.cancellation import cancel_order
from hive.orders.invariants import check_invariants
from hive.orders.lifecycle import apply_event
from hive.orders.status import SubOrderEvent
from hive.orders.submission import AdapterFor, Placement, place_sub_order
from hive.orders.submission_tasks import ORDERS_QUEUE
from hive.platform.jobs import JobRuntime, run_worker
from hive.suppliers.errors import OutOfStock, SupplierUnavailable
from hive.suppliers.types import OrderLine, UpstreamOrderStatus
from tests.orders.test_order_acceptance import SECRETS, Shop, buyer, place, request, shop, world
from tests.support.billing import summary
from tests.support.saga import MemorySupplier

__all__ = ["shop", "world"]


async def _subs(shop: Shop, order_id: int) -> list[Any]:
    async with shop.world.database.platform_transaction() as session:
        return await repository.sub_orders_of(session, order_id)


async def _run(shop: Shop, supplier: MemorySupplier, sub_order_no: str) -> Placement:
    adapter_for = cast(AdapterFor, supplier.adapter_for)
    return await place_sub_order(shop.world.database, adapter_for, SECRETS, sub_order_no)


async def _invariants_hold(shop: Shop, supplier: MemorySupplier) -> None:
    adapter_for = cast(AdapterFor, supplier.adapter_for)
    report = await check_invariants(shop.world.database, adapter_for)
    assert report.holds, report.summary()


async def test_acceptance_defers_one_submission_job_per_sub_order(shop: Shop) -> None:
    order = (await place(shop, request(shop))).order
    async with shop.world.database.platform_transaction() as session:
        jobs = (
            await session.execute(
                text(
                    "SELECT args->>'sub_order_no' FROM procrastinate_jobs "
                    "WHERE task_name = 'hive.orders.submit_sub_order' ORDER BY id"
                )
            )
        ).scalars()
        assert list(jobs) == [s.sub_order_no for s in await _subs(shop, order.id)]
    again = await place(shop, request(shop))  # the same order sent again defers nothing
    assert not again.created


async def test_the_job_places_and_confirms_every_sub_order_once(
    shop: Shop, job_runtime: JobRuntime
) -> None:
    supplier = MemorySupplier()
    order = (await place(shop, request(shop))).order
    runtime = replace(job_runtime, adapter_for=supplier.adapter_for)
    runtime = replace(
        runtime,
        settings=runtime.settings.model_copy(
            update={"secret_key": SecretStr("orders-test-secret-" + "x" * 24)}
        ),
    )
    await run_worker(runtime, wait=False, queues=[ORDERS_QUEUE])
    subs = await _subs(shop, order.id)
    assert [s.status for s in subs] == ["confirmed", "confirmed"]
    assert supplier.submits == 2
    assert {s.upstream_order_id for s in subs} == {
        o.supplier_order_id for o in supplier.orders.values()
    }
    assert all(o.status is UpstreamOrderStatus.CONFIRMED for o in supplier.orders.values())
    # Each upstream order carries the supplier's SKUs at the purchase prices kept at acceptance.
    first = supplier.orders[subs[0].sub_order_no]
    assert [line.quantity for line in first.lines] == [2, 3]
    await _invariants_hold(shop, supplier)


async def test_a_lost_answer_is_looked_up_by_third_order_and_adopted(shop: Shop) -> None:
    supplier = MemorySupplier(lose_answers=1)
    order = (await place(shop, request(shop))).order
    first = (await _subs(shop, order.id))[0]
    with pytest.raises(SupplierUnavailable):
        await _run(shop, supplier, first.sub_order_no)
    assert (await _subs(shop, order.id))[0].status == "pending"
    assert await _run(shop, supplier, first.sub_order_no) is Placement.PLACED
    assert supplier.submits == 1  # the retry found the order instead of sending it again
    assert supplier.calls[1:3] == ["find_order", "order_detail"]
    sub = (await _subs(shop, order.id))[0]
    assert (sub.status, sub.submit_attempts) == ("confirmed", 2)
    assert sub.upstream_order_id == supplier.orders[first.sub_order_no].supplier_order_id


async def test_a_crash_between_submit_and_commit_adopts_the_order_on_the_next_run(
    shop: Shop,
) -> None:
    supplier = MemorySupplier()
    order = (await place(shop, request(shop))).order
    number = (await _subs(shop, order.id))[0].sub_order_no

    async def die() -> None:
        supplier.lose_answers = 1  # the order is made; the worker never hears of it

    supplier.during_submit = die
    with pytest.raises(SupplierUnavailable):
        await _run(shop, supplier, number)
    assert await _run(shop, supplier, number) is Placement.PLACED
    assert await _run(shop, supplier, number) is Placement.NOTHING  # redelivered: nothing sent
    assert supplier.submits == 1
    assert len(supplier.orders) == 1


async def test_a_refusal_fails_the_sub_order_and_releases_its_share(shop: Shop) -> None:
    supplier = MemorySupplier(refuse_with=OutOfStock())
    order = (await place(shop, request(shop))).order
    first, second = await _subs(shop, order.id)
    assert await _run(shop, supplier, first.sub_order_no) is Placement.REFUSED
    supplier.refuse_with = None
    assert await _run(shop, supplier, second.sub_order_no) is Placement.PLACED
    subs = await _subs(shop, order.id)
    assert [s.status for s in subs] == ["failed", "confirmed"]
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen == second.total_fen
    async with shop.world.database.platform_transaction() as session:
        status = await session.scalar(
            text("SELECT status FROM orders WHERE id = :id"), {"id": order.id}
        )
        events = await repository.events_of(session, order.id)
    assert status == "partially_failed"
    refused = [e for e in events if e.event == "refused"]
    assert refused[0].details["code"] == "out_of_stock"
    async with shop.world.database.platform_transaction() as session:
        told = (
            await session.execute(
                text(
                    "SELECT payload->>'to', payload->>'order_status' FROM tenant_events "
                    "WHERE tenant_id = :t AND payload->>'sub_order_no' = :n"
                ),
                {"t": shop.tenant, "n": first.sub_order_no},
            )
        ).all()
    assert ("failed", "partially_failed") in [tuple(row) for row in told]  # the tenant is told
    assert await _run(shop, supplier, first.sub_order_no) is Placement.NOTHING
    await _invariants_hold(shop, supplier)


async def test_our_number_upstream_with_other_lines_is_an_alarm_never_a_success(
    shop: Shop,
) -> None:
    supplier = MemorySupplier()
    order = (await place(shop, request(shop))).order
    first = (await _subs(shop, order.id))[0]
    supplier.plant(first.sub_order_no, (OrderLine("999", 1, 100),))
    assert await _run(shop, supplier, first.sub_order_no) is Placement.HELD
    sub = (await _subs(shop, order.id))[0]
    assert (sub.status, sub.held_reason, sub.upstream_order_id) == (
        "pending",
        "third_order_mismatch",
        None,
    )
    async with shop.world.database.platform_transaction() as session:
        alarm = (
            await session.execute(
                text("SELECT subject_id, payload FROM domain_events WHERE type = 'orders.alarm'")
            )
        ).one()
        events = await repository.events_of(session, order.id)
    assert alarm[0] == sub.id
    assert alarm[1]["upstream_lines"] == [["999", 1]]
    assert events[-1].event == "held"
    # Held: the money stays frozen, and a redelivered job sends nothing.
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen == order.total_fen
    calls = len(supplier.calls)
    assert await _run(shop, supplier, first.sub_order_no) is Placement.NOTHING
    assert len(supplier.calls) == calls
    report = await check_invariants(shop.world.database, cast(AdapterFor, supplier.adapter_for))
    assert report.held == [first.sub_order_no]


async def test_a_cancel_during_the_submission_cancels_the_upstream_order(shop: Shop) -> None:
    supplier = MemorySupplier()
    order = (await place(shop, request(shop))).order
    first, second = await _subs(shop, order.id)

    async def tenant_cancels() -> None:  # through the real service, while the call is out
        async with shop.world.database.platform_transaction() as session:
            done = await cancel_order(session, buyer(shop.tenant), shop.tenant, order.order_no)
        assert done.cancelled == [first.sub_order_no, second.sub_order_no]

    supplier.during_submit = tenant_cancels
    assert await _run(shop, supplier, first.sub_order_no) is Placement.CANCELLED_UPSTREAM
    upstream = supplier.orders[first.sub_order_no]
    assert upstream.status is UpstreamOrderStatus.CANCELLED
    assert "confirm_order" not in supplier.calls
    sub = (await _subs(shop, order.id))[0]
    assert (sub.status, sub.upstream_order_id) == ("cancelled", upstream.supplier_order_id)
    # The other sub-order's job finds it cancelled before any attempt: nothing is sent.
    assert await _run(shop, supplier, second.sub_order_no) is Placement.NOTHING
    assert second.sub_order_no not in supplier.orders
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen == 0
    async with shop.world.database.platform_transaction() as session:
        captured = await session.scalar(
            text("SELECT count(*) FROM ledger_postings WHERE account = 'platform.revenue'")
        )
        events = await repository.events_of(session, order.id)
    assert captured == 0
    mine = [(e.event, e.outcome, e.source) for e in events if e.sub_order_id == first.id]
    assert mine == [
        ("cancelled", "moved", "tenant"),
        ("placed", "ignored", "system"),
        ("cancelled", "ignored", "system"),  # the upstream order cancelled too
    ]
    await _invariants_hold(shop, supplier)


async def test_a_cancelled_sub_order_whose_placement_was_lost_is_cancelled_upstream_on_retry(
    shop: Shop,
) -> None:
    supplier = MemorySupplier(lose_answers=1)
    order = (await place(shop, request(shop))).order
    number = (await _subs(shop, order.id))[0].sub_order_no
    with pytest.raises(SupplierUnavailable):
        await _run(shop, supplier, number)
    async with shop.world.database.platform_transaction() as session:
        await apply_event(session, number, SubOrderEvent.CANCELLED, source="tenant")
    assert await _run(shop, supplier, number) is Placement.CANCELLED_UPSTREAM
    assert supplier.orders[number].status is UpstreamOrderStatus.CANCELLED
    assert await _run(shop, supplier, number) is Placement.NOTHING


async def test_an_unreachable_supplier_raises_so_the_job_is_retried(shop: Shop) -> None:
    supplier = MemorySupplier(unreachable=1)
    order = (await place(shop, request(shop))).order
    number = (await _subs(shop, order.id))[0].sub_order_no
    with pytest.raises(SupplierUnavailable):
        await _run(shop, supplier, number)
    assert supplier.calls == ["submit_order"] and not supplier.orders
    assert await _run(shop, supplier, number) is Placement.PLACED
    assert supplier.calls[:3] == ["submit_order", "find_order", "submit_order"]


async def test_no_log_line_carries_the_receiver(shop: Shop, job_runtime: JobRuntime) -> None:
    """Personal data stays out of the logs: an order accepted, one sub-order refused, the
    other placed and confirmed by the worker, and the invariants checked — and no line logged
    on the way holds the receiver's name, mobile or street."""
    supplier = MemorySupplier(refuse_with=OutOfStock())
    body = request(shop)
    address = body.address
    runtime = replace(job_runtime, adapter_for=supplier.adapter_for)
    runtime = replace(
        runtime,
        settings=runtime.settings.model_copy(
            update={"secret_key": SecretStr("orders-test-secret-" + "x" * 24)}
        ),
    )
    with capture_logs() as logs:
        order = (await place(shop, body)).order
        first = (await _subs(shop, order.id))[0]
        assert await _run(shop, supplier, first.sub_order_no) is Placement.REFUSED
        supplier.refuse_with = None
        await run_worker(runtime, wait=False, queues=[ORDERS_QUEUE])
        await _invariants_hold(shop, supplier)
    assert [s.status for s in await _subs(shop, order.id)] == ["failed", "confirmed"]
    assert any(entry["event"] == "sub-order refused upstream" for entry in logs)  # lines read
    logged = repr(logs)
    for value in (address.receiver, address.mobile, address.detail):
        assert value not in logged
