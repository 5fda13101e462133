"""Supplier order messages through the change-feed processor (the path the worker takes) move
our sub-orders: status events on the timeline, money settled, a sync job deferred where the
supplier's detail is needed, unknown orders acknowledged, and duplicated and reordered
messages converging to the state of the history in order."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from hive.feed.handlers import HandlerRegistry
from hive.feed.ingestion import MessageProcessor, Outcome
from hive.orders import messages, repository
from hive.orders.status import SubOrderEvent, SubOrderStatus, replay
from hive.suppliers.types import MessageType, SupplierMessage
from tests.orders.test_order_acceptance import Shop, place, request, shop, world
from tests.support.billing import ledger_report, summary

__all__ = ["shop", "world"]
M = MessageType
_ids = itertools.count(1)
# The message that reports each supplier event (placement and confirmation have none).
MESSAGE_OF = {
    SubOrderEvent.SHIPPED: M.ORDER_SHIPPED,
    SubOrderEvent.DELIVERED: M.ORDER_DELIVERED,
    SubOrderEvent.COMPLETED: M.ORDER_COMPLETED,
    SubOrderEvent.CANCELLED: M.ORDER_CANCELLED,
    SubOrderEvent.AUTO_CANCELLED: M.ORDER_AUTO_CANCELLED,
    SubOrderEvent.REFUSED: M.PAYMENT_FAILED,
}


def message(kind: MessageType, upstream_id: str, **payload: Any) -> SupplierMessage:
    key = "parent_order_id" if kind is M.ORDER_SPLIT else "supplier_order_id"
    return SupplierMessage(
        message_id=f"m{next(_ids)}",
        type=kind,
        occurred_at=datetime.now(UTC),
        payload={key: upstream_id, **payload},
    )


@pytest.fixture
def processor(shop: Shop) -> MessageProcessor:
    registry = HandlerRegistry()
    messages.register(registry)
    return MessageProcessor(shop.world.database, registry=registry)


async def placed_order(shop: Shop, order_no: str = "PO-1001") -> tuple[int, list[Any]]:
    """An accepted order whose two sub-orders are placed upstream as U<n>-1 and U<n>-2; the
    order id and (sub-order number, supplier id, upstream id) of each."""
    order = (await place(shop, request(shop, order_no=order_no))).order
    async with shop.world.database.platform_transaction() as session:
        subs = await repository.sub_orders_of(session, order.id)
        for number, sub in enumerate(subs, 1):
            sub.upstream_order_id, sub.status = f"U{order.id}-{number}", "submitted"
        found = [(s.sub_order_no, s.supplier_id, s.upstream_order_id) for s in subs]
    return order.id, found


async def statuses(shop: Shop, order_id: int) -> list[str]:
    async with shop.world.database.platform_transaction() as session:
        return [s.status for s in await repository.sub_orders_of(session, order_id)]


async def sync_jobs(shop: Shop) -> list[dict[str, Any]]:
    async with shop.world.database.platform_transaction() as session:
        rows = await session.execute(
            text(
                "SELECT args FROM procrastinate_jobs WHERE task_name = "
                "'hive.orders.sync_sub_order' ORDER BY id"
            )
        )
        return [dict(row[0]) for row in rows]


async def test_shipped_delivered_completed_move_the_sub_order_and_capture_its_freeze(
    shop: Shop, processor: MessageProcessor
) -> None:
    order_id, [(first, supplier, upstream), _] = await placed_order(shop)
    for kind in (M.ORDER_SHIPPED, M.ORDER_DELIVERED, M.ORDER_COMPLETED):
        assert await processor.process(supplier, message(kind, upstream)) is Outcome.PROCESSED
    assert await statuses(shop, order_id) == ["completed", "submitted"]
    assert await sync_jobs(shop) == [{"sub_order_no": first, "via": "feed"}]  # the waybills
    async with shop.world.database.platform_transaction() as session:
        events = await repository.events_of(session, order_id)
    assert [(e.event, e.source, e.outcome) for e in events[1:]] == [
        ("shipped", "supplier", "moved"),
        ("delivered", "supplier", "moved"),
        ("completed", "supplier", "moved"),
    ]
    assert events[-1].details["message_type"] == 31
    held = (await summary(shop.world.database, shop.tenant)).frozen_fen
    async with shop.world.database.platform_transaction() as session:
        other = await repository.find_sub_order(session, f"HV{order_id:010d}-02")
    assert other is not None and held == other.total_fen  # the first one's share was captured
    assert (await ledger_report(shop.world.database)).in_balance


async def test_cancellation_and_payment_failure_release_their_share(
    shop: Shop, processor: MessageProcessor
) -> None:
    order_id, [(_, s1, u1), (_, s2, u2)] = await placed_order(shop)
    assert await processor.process(s1, message(M.ORDER_AUTO_CANCELLED, u1)) is Outcome.PROCESSED
    assert await processor.process(s2, message(M.PAYMENT_FAILED, u2)) is Outcome.PROCESSED
    assert await statuses(shop, order_id) == ["cancelled", "failed"]
    assert (await summary(shop.world.database, shop.tenant)).frozen_fen == 0
    async with shop.world.database.platform_transaction() as session:
        order_status = await session.scalar(
            text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}
        )
    assert order_status == "cancelled"


async def test_messages_about_orders_we_do_not_know_are_acknowledged_and_change_nothing(
    shop: Shop, processor: MessageProcessor
) -> None:
    order_id, [(_, supplier, upstream), (_, other_supplier, _)] = await placed_order(shop)
    assert supplier != other_supplier
    unknown = [
        (supplier, message(M.ORDER_SHIPPED, "999999")),
        (supplier, message(M.ORDER_SPLIT, "999998")),
        (supplier, message(M.ORDER_COMPLETED, upstream[:-1])),
        # The right id from another supplier is another supplier's order.
        (other_supplier, message(M.ORDER_COMPLETED, upstream)),
        (supplier, SupplierMessage("m-empty", M.ORDER_CANCELLED, datetime.now(UTC), {})),
    ]
    for target, each in unknown:
        outcome = await processor.process(target, each)
        assert outcome is Outcome.PROCESSED and outcome.acknowledge
    assert await statuses(shop, order_id) == ["submitted", "submitted"]
    assert await sync_jobs(shop) == []


async def test_a_split_message_defers_reading_the_order_and_changes_nothing_yet(
    shop: Shop, processor: MessageProcessor
) -> None:
    order_id, [(first, supplier, upstream), _] = await placed_order(shop)
    assert await processor.process(supplier, message(M.ORDER_SPLIT, upstream)) is (
        Outcome.PROCESSED
    )
    assert await statuses(shop, order_id) == ["submitted", "submitted"]
    assert await sync_jobs(shop) == [{"sub_order_no": first, "via": "feed"}]


async def test_a_refused_delivery_is_not_taken_for_a_delivery(
    shop: Shop, processor: MessageProcessor
) -> None:
    order_id, [(_, supplier, upstream), _] = await placed_order(shop)
    await processor.process(supplier, message(M.ORDER_SHIPPED, upstream))
    await processor.process(supplier, message(M.ORDER_DELIVERED, upstream, refused=True))
    assert await statuses(shop, order_id) == ["shipped", "submitted"]
    assert len(await sync_jobs(shop)) == 2  # the waybills, then the refusal: read the order


@st.composite
def supplier_histories(draw: st.DrawFn) -> list[SubOrderEvent]:
    """A history the supplier could report by message, from a placed sub-order."""
    status, walk = SubOrderStatus.SUBMITTED, []
    for _ in range(draw(st.integers(1, 5))):
        from hive.orders.status import TRANSITIONS

        moves = sorted((e, s) for e, s in TRANSITIONS[status].items() if e in MESSAGE_OF)
        if not moves:
            break
        event, status = draw(st.sampled_from(moves))
        walk.append(event)
    return walk


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=supplier_histories(), second=supplier_histories(), seed=st.integers(0, 2**16))
async def test_duplicated_and_reordered_messages_converge_through_the_feed(
    shop: Shop,
    processor: MessageProcessor,
    first: list[SubOrderEvent],
    second: list[SubOrderEvent],
    seed: int,
) -> None:
    order_id, [(_, s1, u1), (_, s2, u2)] = await placed_order(shop, f"PO-F{next(_ids)}")
    rng = random.Random(seed)
    sent = [(s1, message(MESSAGE_OF[e], u1)) for e in first]
    sent += [(s2, message(MESSAGE_OF[e], u2)) for e in second]
    # Redelivered copies (the same message id) and repeated reports (a new id) of each.
    copies = rng.choices(sent, k=len(sent))
    repeats = [
        (s, message(m.type, str(m.payload["supplier_order_id"])))
        for s, m in rng.choices(sent, k=len(sent))
    ]
    deliveries = sent + copies + repeats
    rng.shuffle(deliveries)
    for supplier, each in deliveries:
        assert (await processor.process(supplier, each)).acknowledge
    start = SubOrderStatus.SUBMITTED
    assert await statuses(shop, order_id) == [replay(first, start), replay(second, start)]
    report = await ledger_report(shop.world.database)
    assert report.in_balance, report.summary()
