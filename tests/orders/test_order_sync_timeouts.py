"""The safety nets against a supplier in memory: timeouts of unsubmitted and unconfirmed
sub-orders (cancelled upstream where the order is there, money released, or followed instead
when it moved on), and reconciliation reading the longest-unchecked sub-orders first, in
bounded batches, leaving a supplier that is down for the next run."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import text

from hive.orders import repository
from hive.orders.reconciliation import reconcile, time_out
from hive.orders.sync import AdapterFor, Upstream, apply_upstream
from hive.suppliers.types import OrderLine, UpstreamOrder, UpstreamOrderStatus
from tests.orders.test_order_acceptance import Shop, place, request, shop, world
from tests.support.billing import ledger_report, summary
from tests.support.saga import MemorySupplier

__all__ = ["shop", "world"]
U = UpstreamOrderStatus


async def accepted(shop: Shop) -> tuple[int, list[str]]:
    order = (await place(shop, request(shop))).order
    async with shop.world.database.platform_transaction() as session:
        subs = await repository.sub_orders_of(session, order.id)
    return order.id, [s.sub_order_no for s in subs]


async def set_sub(shop: Shop, number: str, **values: Any) -> None:
    async with shop.world.database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        assert sub is not None
        for key, value in values.items():
            setattr(sub, key, value)


async def upstream(supplier: MemorySupplier, number: str, status: U) -> str:
    order = UpstreamOrder(f"U-{number}", number, status, 0, 0, ())
    supplier.orders[number] = order
    return order.supplier_order_id


async def run_timeouts(shop: Shop, supplier: MemorySupplier, after_s: int = 0) -> int:
    report = await time_out(
        shop.world.database,
        cast(AdapterFor, supplier.adapter_for),
        unsubmitted_after_s=after_s,
        unconfirmed_after_s=after_s,
        batch=10,
    )
    return report.timed_out


async def statuses(shop: Shop, order_id: int) -> list[tuple[str, str | None]]:
    async with shop.world.database.platform_transaction() as session:
        subs = await repository.sub_orders_of(session, order_id)
    return [(s.status, s.upstream_order_id) for s in subs]


async def test_unsubmitted_sub_orders_time_out_and_release_their_money(shop: Shop) -> None:
    order_id, [_, second] = await accepted(shop)
    supplier = MemorySupplier()
    id_of_second = await upstream(supplier, second, U.RESERVED)  # it reached the supplier
    assert await run_timeouts(shop, supplier, after_s=3600) == 0  # not old enough yet
    assert await run_timeouts(shop, supplier) == 2
    assert await statuses(shop, order_id) == [("cancelled", None), ("cancelled", None)]
    assert supplier.orders[second].status is U.CANCELLED  # cancelled upstream first
    assert supplier.calls.count("cancel_order") == 1
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen == 0
    async with shop.world.database.platform_transaction() as session:
        events = await repository.events_of(session, order_id)
    timed_out = [(e.event, e.source, e.details["reason"]) for e in events[1:]]
    assert timed_out == [("timed_out", "system", "unsubmitted")] * 2
    assert events[-1].details["upstream_order_id"] == id_of_second
    assert (await ledger_report(shop.world.database)).in_balance


async def test_an_unsubmitted_sub_order_in_production_upstream_is_followed_not_cancelled(
    shop: Shop,
) -> None:
    order_id, [first, _] = await accepted(shop)
    supplier = MemorySupplier(cannot_cancel=True)
    upstream_id = await upstream(supplier, first, U.IN_PRODUCTION)
    assert await run_timeouts(shop, supplier, after_s=0) == 1  # the second, not upstream
    # The first is recorded as placed; its unconfirmed check then reads it: in production.
    assert await statuses(shop, order_id) == [("confirmed", upstream_id), ("cancelled", None)]
    assert supplier.orders[first].status is U.IN_PRODUCTION


async def test_unconfirmed_sub_orders_are_cancelled_upstream_unless_they_moved_on(
    shop: Shop,
) -> None:
    order_id, [first, second] = await accepted(shop)
    supplier = MemorySupplier()
    for number, status in ((first, U.RESERVED), (second, U.CONFIRMED)):
        await set_sub(
            shop,
            number,
            status="submitted",
            upstream_order_id=await upstream(supplier, number, status),
        )
    assert await run_timeouts(shop, supplier) == 1
    assert [s for s, _ in await statuses(shop, order_id)] == ["cancelled", "confirmed"]
    assert supplier.orders[first].status is U.CANCELLED
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen > 0  # the second's


async def test_sub_orders_held_for_an_operator_are_left_alone(shop: Shop) -> None:
    order_id, [first, second] = await accepted(shop)
    for number in (first, second):
        await set_sub(shop, number, held_reason="third_order_mismatch")
    supplier = MemorySupplier()
    assert await run_timeouts(shop, supplier) == 0
    assert supplier.calls == []
    assert [s for s, _ in await statuses(shop, order_id)] == ["pending", "pending"]


async def test_reconciliation_reads_the_longest_unchecked_first_in_bounded_batches(
    shop: Shop,
) -> None:
    order_id, [first, second] = await accepted(shop)
    supplier = MemorySupplier()
    for number in (first, second):
        await set_sub(
            shop,
            number,
            status="submitted",
            upstream_order_id=await upstream(supplier, number, U.CONFIRMED),
        )
    adapter_for = cast(AdapterFor, supplier.adapter_for)

    async def checked() -> list[bool]:
        async with shop.world.database.platform_transaction() as session:
            rows = await session.execute(
                text("SELECT checked_at IS NOT NULL FROM sub_orders ORDER BY id")
            )
            return [bool(r[0]) for r in rows]

    assert (await reconcile(shop.world.database, adapter_for, batch=1)).checked == 1
    assert await checked() == [True, False]
    assert [s for s, _ in await statuses(shop, order_id)] == ["confirmed", "submitted"]
    assert (await reconcile(shop.world.database, adapter_for, batch=1)).checked == 1
    assert [s for s, _ in await statuses(shop, order_id)] == ["confirmed", "confirmed"]
    supplier.orders[first] = UpstreamOrder(f"U-{first}", first, U.CANCELLED, 0, 0, ())
    assert (await reconcile(shop.world.database, adapter_for, batch=1)).repaired == 1
    assert [s for s, _ in await statuses(shop, order_id)] == ["cancelled", "confirmed"]
    unchanged = await reconcile(shop.world.database, adapter_for, batch=1)  # the second again
    assert (unchanged.checked, unchanged.repaired) == (1, 0)

    supplier.unreachable = 5  # the supplier is down: nothing moves, nothing raises
    report = await reconcile(shop.world.database, adapter_for, batch=10)
    assert (report.checked, report.failed) == (0, 0)
    assert supplier.unreachable == 4  # one call, then its sub-orders are left for later


async def test_a_split_that_does_not_match_holds_the_sub_order_and_the_run_goes_on(
    shop: Shop,
) -> None:
    order_id, [first, second] = await accepted(shop)
    supplier = MemorySupplier()
    for number in (first, second):
        await set_sub(
            shop,
            number,
            status="submitted",
            upstream_order_id=await upstream(supplier, number, U.CONFIRMED),
        )
    stranger = UpstreamOrder("C-9", "", U.CONFIRMED, 0, 0, (OrderLine("T999999", 1, 1),))
    supplier.orders[first] = UpstreamOrder(
        f"U-{first}", first, U.CONFIRMED, 0, 0, (), children=(stranger, stranger)
    )
    adapter_for = cast(AdapterFor, supplier.adapter_for)
    report = await reconcile(shop.world.database, adapter_for, batch=10)
    assert (report.checked, report.failed) == (2, 0)
    assert [s for s, _ in await statuses(shop, order_id)] == ["submitted", "confirmed"]
    async with shop.world.database.platform_transaction() as session:
        held = await session.scalar(
            text("SELECT held_reason FROM sub_orders WHERE sub_order_no = :n"), {"n": first}
        )
        alarms = (
            await session.execute(
                text("SELECT payload->>'reason' FROM domain_events WHERE type = 'orders.alarm'")
            )
        ).scalars()
        timeline = await repository.events_of(session, order_id)
        assert list(alarms) == ["split_mismatch"]
    assert held == "split_mismatch"
    [line] = [e for e in timeline if e.event == "held"]
    assert (line.details["reason"], line.details["sku"]) == ("split_mismatch", "T999999")
    supplier.calls.clear()
    assert (await reconcile(shop.world.database, adapter_for, batch=10)).checked == 1
    assert supplier.calls == ["order_detail"]  # the held one is left for an operator


async def test_a_splits_children_are_never_timed_out(shop: Shop) -> None:
    order_id, [first, second] = await accepted(shop)
    await set_sub(shop, first, status="submitted", upstream_order_id=f"U-{first}")
    await set_sub(shop, second, held_reason="third_order_mismatch")
    phone, charger = (await skus(shop))[:2]
    reserved = [
        UpstreamOrder(f"C{k}", "", U.RESERVED, 0, 0, (OrderLine(sku, quantity, 1),))
        for k, (sku, quantity) in enumerate(((phone, 2), (charger, 3)))
    ]
    split = UpstreamOrder(f"U-{first}", first, U.CONFIRMED, 0, 0, (), children=tuple(reserved))
    async with shop.world.database.platform_transaction() as session:
        await apply_upstream(session, first, Upstream(split), via="test")
    supplier = MemorySupplier()
    assert await run_timeouts(shop, supplier) == 0
    assert supplier.calls == []
    assert [s for s, _ in await statuses(shop, order_id)] == [
        "split",
        "pending",
        "submitted",
        "submitted",
    ]


async def skus(shop: Shop) -> list[str]:
    async with shop.world.database.platform_transaction() as session:
        rows = await session.execute(
            text("SELECT supplier_sku FROM products WHERE id IN (:a, :b) ORDER BY id"),
            {"a": shop.phone, "b": shop.charger},
        )
        return [r[0] for r in rows]
