"""Sub-orders moving through the state machine on real PostgreSQL: every event on the
timeline, money settled on the final states (release on failure or cancellation, capture with
the purchase price payable on completion), the order's status derived, and duplicated and
reordered supplier messages converging with the books in balance."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from hive.billing import freezes
from hive.orders import repository
from hive.orders.errors import OrderNotFound
from hive.orders.lifecycle import apply_event
from hive.orders.status import Outcome, SubOrderEvent, SubOrderStatus, replay
from hive.platform.actor import SYSTEM
from tests.orders.test_order_acceptance import Shop, place, request, shop, world
from tests.support.billing import ledger_report, summary

__all__ = ["shop", "world"]
E = SubOrderEvent
_numbers = itertools.count()


async def _apply(shop: Shop, sub_order_no: str, event: SubOrderEvent) -> Outcome:
    async with shop.world.database.platform_transaction() as session:
        return (await apply_event(session, sub_order_no, event, source="supplier")).outcome


async def _subs(shop: Shop, order_id: int) -> list[tuple[str, str, int]]:
    async with shop.world.database.platform_transaction() as session:
        subs = await repository.sub_orders_of(session, order_id)
    return [(s.sub_order_no, s.status, s.total_fen) for s in subs]


async def _order_status(shop: Shop, order_id: int) -> str:
    async with shop.world.database.platform_transaction() as session:
        return str(
            await session.scalar(text("SELECT status FROM orders WHERE id = :id"), {"id": order_id})
        )


async def test_one_failed_sub_order_releases_its_share_and_the_order_is_partially_failed(
    shop: Shop,
) -> None:
    order = (await place(shop, request(shop))).order
    (first, _, first_fen), (second, _, second_fen) = await _subs(shop, order.id)
    assert await _apply(shop, first, E.PLACED) is Outcome.MOVED
    assert await _apply(shop, second, E.REFUSED) is Outcome.MOVED
    assert await _order_status(shop, order.id) == "partially_failed"
    after = await summary(shop.world.database, shop.tenant)
    assert after.frozen_fen == first_fen
    for event in (E.CONFIRMED, E.SHIPPED, E.DELIVERED, E.COMPLETED, E.SHIPPED):
        await _apply(shop, first, event)
    async with shop.world.database.platform_transaction() as session:
        payable = await repository.payable_of(
            session, (await repository.find_sub_order(session, first)).id
        )  # type: ignore[union-attr]
        captured = (
            await session.execute(
                text(
                    "SELECT account, sum(amount_fen) FROM ledger_postings "
                    "WHERE account IN ('platform.revenue', 'supplier.payable') GROUP BY account"
                )
            )
        ).all()
        events = await repository.events_of(session, order.id)
    assert dict(captured) == {"supplier.payable": payable, "platform.revenue": first_fen - payable}
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen == 0
    assert await _order_status(shop, order.id) == "partially_failed"
    assert [e.outcome for e in events][-1] == "ignored"  # the late "shipped"
    assert len(events) == 1 + 2 + 5
    assert (await ledger_report(shop.world.database)).in_balance
    assert first_fen + second_fen == order.total_fen


async def test_a_shipped_sub_order_cannot_be_cancelled_and_unknown_numbers_are_refused(
    shop: Shop,
) -> None:
    order = (await place(shop, request(shop))).order
    (first, _, _), _ = await _subs(shop, order.id)
    await _apply(shop, first, E.SHIPPED)
    assert await _apply(shop, first, E.CANCELLED) is Outcome.REFUSED
    assert (await _subs(shop, order.id))[0][1] == "shipped"
    with pytest.raises(OrderNotFound):
        await _apply(shop, "HV-NOPE", E.PLACED)


@st.composite
def histories(draw: st.DrawFn) -> list[SubOrderEvent]:
    from hive.orders.status import TRANSITIONS

    status, walk = SubOrderStatus.PENDING, []
    for _ in range(draw(st.integers(1, 6))):
        moves = sorted(TRANSITIONS[status].items())
        if not moves:
            break
        event, status = draw(st.sampled_from(moves))
        walk.append(event)
    return walk


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=histories(), second=histories(), seed=st.integers(0, 2**16))
async def test_duplicated_and_reordered_messages_converge_with_the_books_in_balance(
    shop: Shop, first: list[SubOrderEvent], second: list[SubOrderEvent], seed: int
) -> None:
    order = (await place(shop, request(shop, order_no=f"PO-P{next(_numbers)}"))).order
    (one, _, _), (two, _, _) = await _subs(shop, order.id)
    rng = random.Random(seed)
    messages = [(one, e) for e in first] + [(two, e) for e in second]
    messages += rng.choices(messages, k=len(messages) // 2) if messages else []
    rng.shuffle(messages)
    for number, event in messages:
        await _apply(shop, number, event)
    statuses = [status for _, status, _ in await _subs(shop, order.id)]
    assert statuses == [replay(first).value, replay(second).value]
    report = await ledger_report(shop.world.database)
    assert report.in_balance, report.summary()


async def test_every_event_writes_its_timeline_line_notice_and_money_exactly(shop: Shop) -> None:
    order = (await place(shop, request(shop, order_no="PO-EXACT"))).order
    (one, _, one_fen), (two, _, two_fen) = await _subs(shop, order.id)
    async with shop.world.database.platform_transaction() as session:
        placed = await apply_event(session, one, E.PLACED, source="system", details={"k": "v"})
        refused = await apply_event(session, two, E.REFUSED, source="supplier")
        await apply_event(session, one, E.COMPLETED, source="supplier")
        late = await apply_event(session, one, E.CANCELLED, source="operator")
    assert (placed.outcome, placed.status) == (Outcome.MOVED, SubOrderStatus.SUBMITTED)
    assert (refused.outcome, refused.status) == (Outcome.MOVED, SubOrderStatus.FAILED)
    assert (late.outcome, late.status) == (Outcome.IGNORED, SubOrderStatus.COMPLETED)
    async with shop.world.database.platform_transaction() as session:
        subs = {s.id: s.sub_order_no for s in await repository.sub_orders_of(session, order.id)}
        lines = [e for e in await repository.events_of(session, order.id) if e.sub_order_id]
        timeline = [
            (subs[e.sub_order_id or 0], e.event, e.from_status, e.to_status, e.outcome, e.source)
            for e in lines
        ]
        notices = (
            await session.execute(
                text(
                    "SELECT entity_id, payload->>'sub_order_no', payload->>'from', "
                    "payload->>'to', payload->>'order_status', payload->>'order_no' "
                    "FROM tenant_events WHERE type = 'order.status_changed' "
                    "AND payload->>'sub_order_no' IS NOT NULL ORDER BY id"
                )
            )
        ).all()
        money = (
            await session.execute(
                text(
                    "SELECT e.kind, e.reference, e.operation_key, p.account, p.amount_fen "
                    "FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                    "WHERE e.kind IN ('capture', 'release') ORDER BY p.id"
                )
            )
        ).all()
        payable = await repository.payable_of(
            session, next(i for i, no in subs.items() if no == one)
        )
    assert timeline == [
        (one, "placed", "pending", "submitted", "moved", "system"),
        (two, "refused", "pending", "failed", "moved", "supplier"),
        (one, "completed", "submitted", "completed", "moved", "supplier"),
        (one, "cancelled", "completed", "completed", "ignored", "operator"),
    ]
    assert [e.details for e in lines] == [
        {"k": "v", "order_status": "accepted"},
        {"order_status": "partially_failed"},
        {"order_status": "partially_failed"},
        {"order_status": "partially_failed"},
    ]
    assert {e.tenant_id for e in lines} == {shop.tenant}
    assert [tuple(n) for n in notices] == [
        (order.id, one, "pending", "submitted", "accepted", "PO-EXACT"),
        (order.id, two, "pending", "failed", "partially_failed", "PO-EXACT"),
        (order.id, one, "submitted", "completed", "partially_failed", "PO-EXACT"),
    ]
    assert [tuple(m) for m in money] == [
        ("release", two, None, "balance.available", two_fen),
        ("release", two, None, "balance.frozen", -two_fen),
        ("capture", one, f"capture:{one}", "balance.frozen", -one_fen),
        ("capture", one, f"capture:{one}", "supplier.payable", payable),
        ("capture", one, f"capture:{one}", "platform.revenue", one_fen - payable),
    ]
    with pytest.raises(OrderNotFound) as missing:
        await _apply(shop, "HV-NOPE", E.PLACED)
    assert missing.value.details == {"sub_order_no": "HV-NOPE"}


async def _order_with_earphones_at(shop: Shop, fen: int, order_no: str) -> tuple[int, str]:
    """An order whose second sub-order (the earphones, the other supplier's) totals ``fen``:
    the earphones' price and purchase price set to ``fen`` before it is placed."""
    async with shop.world.database.platform_transaction() as session:
        params = {"p": shop.earphones, "fen": fen}
        for statement in (
            "DELETE FROM pricing_special_prices WHERE product_id = :p",
            "DELETE FROM product_prices WHERE product_id = :p",
            "UPDATE products SET retail_price_fen = :fen, purchase_price_fen = :fen WHERE id = :p",
        ):
            await session.execute(text(statement), params)
    items = [
        {"product_id": shop.phone, "quantity": 2, "unit_price": shop.prices[shop.phone]},
        {"product_id": shop.earphones, "quantity": 1, "unit_price": fen},
    ]
    order = (await place(shop, request(shop, order_no=order_no, items=items))).order
    _, (ears, _, ears_fen) = await _subs(shop, order.id)
    assert ears_fen == fen
    return order.id, ears


async def _settlements(shop: Shop, reference: str) -> list[tuple[str, str, int]]:
    async with shop.world.database.platform_transaction() as session:
        rows = await session.execute(
            text(
                "SELECT e.kind, p.account, p.amount_fen FROM ledger_postings p "
                "JOIN ledger_entries e ON e.id = p.entry_id "
                "WHERE e.kind IN ('capture', 'release') AND e.reference = :ref ORDER BY p.id"
            ),
            {"ref": reference},
        )
        return [(str(kind), str(account), int(fen)) for kind, account, fen in rows.all()]


async def test_a_one_fen_sub_order_is_captured_to_the_last_fen(shop: Shop) -> None:
    """Settlement's boundaries at 1 fen: it is not skipped as if it were 0 fen, and a 1-fen
    hold is captured, not left in the freeze."""
    _, ears = await _order_with_earphones_at(shop, 1, "PO-ONE-FEN")
    for event in (E.PLACED, E.COMPLETED):
        assert await _apply(shop, ears, event) is Outcome.MOVED
    assert await _settlements(shop, ears) == [
        ("capture", "balance.frozen", -1),
        ("capture", "supplier.payable", 1),
    ]
    async with shop.world.database.platform_transaction() as session:
        assert await freezes.held_for(session, shop.tenant, ears) == 0
    assert (await ledger_report(shop.world.database)).in_balance


@pytest.mark.parametrize(
    ("event", "status"),
    [(E.CANCELLED, "cancelled"), (E.REFUSED, "failed"), (E.COMPLETED, "completed")],
)
async def test_a_zero_fen_sub_order_has_no_freeze_and_settles_nothing(
    shop: Shop, event: SubOrderEvent, status: str
) -> None:
    """A 0-fen sub-order was never frozen: its final status moves no money (looking for its
    freeze would fail the move)."""
    order_id, ears = await _order_with_earphones_at(shop, 0, f"PO-ZERO-{event.value}")
    if event is E.COMPLETED:
        assert await _apply(shop, ears, E.PLACED) is Outcome.MOVED
    assert await _apply(shop, ears, event) is Outcome.MOVED
    assert (await _subs(shop, order_id))[1][1] == status
    assert await _settlements(shop, ears) == []
    assert (await ledger_report(shop.world.database)).in_balance


async def test_a_sub_order_completing_with_nothing_left_in_its_freeze_captures_nothing(
    shop: Shop,
) -> None:
    """A completion whose freeze holds nothing any more (its money was given back before the
    supplier's "completed" arrived) still completes the sub-order and moves no money: a
    capture of 0 fen is never attempted (it would be refused and fail the move)."""
    order = (await place(shop, request(shop, order_no="PO-EMPTY-FREEZE"))).order
    (first, _, _), (second, _, second_fen) = await _subs(shop, order.id)
    assert await _apply(shop, second, E.PLACED) is Outcome.MOVED
    async with shop.world.database.platform_transaction() as session:
        await freezes.release(
            session, SYSTEM, shop.tenant, second, second_fen, operation_key=f"give-back:{second}"
        )
        assert await freezes.held_for(session, shop.tenant, second) == 0
    assert await _apply(shop, second, E.COMPLETED) is Outcome.MOVED
    assert (await _subs(shop, order.id))[1][1] == "completed"
    assert await _settlements(shop, second) == [
        ("release", "balance.available", second_fen),
        ("release", "balance.frozen", -second_fen),
    ]
    assert await _settlements(shop, first) == []
    assert (await ledger_report(shop.world.database)).in_balance
