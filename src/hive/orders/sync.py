"""Bringing a sub-order in line with its supplier's order: status, split children, waybills.

:func:`sync_sub_order` reads the supplier's order (``order_detail``, and ``track`` for the
waybills of shipped orders) outside any transaction, then :func:`apply_upstream` applies what
it found in one transaction:

* a split upstream order: the split is recorded (:mod:`hive.orders.splits`) and each child is
  followed like an order of its own;
* otherwise the supplier's status becomes an event (:data:`EVENT_OF`) applied through
  :func:`hive.orders.lifecycle.apply_event` with source ``supplier`` — only when it moves the
  sub-order, so a repeated check adds nothing to the timeline;
* the waybills of its tracking are recorded (``order_waybills``; one already there is kept).

A split whose children do not carry exactly the sub-order's units is an alarm: the sub-order
is held for an operator (:func:`hold_split_mismatch`) instead of being retried for ever.

The change-feed handlers (:mod:`hive.orders.messages`) defer it as a job where a message needs
the supplier's detail (a split, a shipment's waybills); reconciliation and the timeout jobs
(:mod:`hive.orders.reconciliation`) call it directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository, sync_repository
from hive.orders.lifecycle import apply_event
from hive.orders.models import OrderEvent, SubOrder
from hive.orders.splits import SplitMismatch, record_split
from hive.orders.status import Outcome, SubOrderEvent, SubOrderStatus, decide
from hive.platform.db import Database
from hive.platform.domain_events import raise_event
from hive.platform.logging import get_logger
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import OrderTrack, UpstreamOrder, UpstreamOrderStatus

log = get_logger(__name__)

U, E = UpstreamOrderStatus, SubOrderEvent
# What the supplier's order status says happened to the sub-order.
EVENT_OF: Mapping[UpstreamOrderStatus, SubOrderEvent] = {
    U.RESERVED: E.PLACED,
    U.CONFIRMED: E.CONFIRMED,
    U.IN_PRODUCTION: E.CONFIRMED,
    U.SHIPPED: E.SHIPPED,
    U.DELIVERED: E.DELIVERED,
    U.COMPLETED: E.COMPLETED,
    U.CANCELLED: E.CANCELLED,
}
_TRACKED = frozenset({U.SHIPPED, U.DELIVERED, U.COMPLETED})

AdapterFor = Callable[[int], Awaitable[SupplierAdapter]]
# The saga's alarm event (hive.orders.submission), raised here for a split that does not match.
ALARM_EVENT = "orders.alarm"
SPLIT_MISMATCH = "split_mismatch"


@dataclass(frozen=True, slots=True)
class Upstream:
    """The supplier's order as read now, and the tracking of its shipped (leaf) orders."""

    order: UpstreamOrder
    tracks: Mapping[str, OrderTrack] = field(default_factory=dict)


async def read_upstream(adapter: SupplierAdapter, supplier_order_id: str) -> Upstream:
    """``order_detail`` of the order, and ``track`` of each shipped order or child (supplier
    calls; raises the adapter's ``SupplierError`` subclasses)."""
    order = await adapter.order_detail(supplier_order_id)
    leaves = order.children or (order,)
    tracks = {}
    for leaf in leaves:
        if leaf.status in _TRACKED:
            tracks[leaf.supplier_order_id] = await adapter.track(leaf.supplier_order_id)
    return Upstream(order, tracks)


async def sync_sub_order(
    database: Database, adapter_for: AdapterFor, sub_order_no: str, *, via: str
) -> int | None:
    """Read sub-order ``sub_order_no`` from its supplier and apply what changed (see the
    module docstring); ``via`` names the caller on the timeline (``feed``, ``reconciliation``,
    ``timeout``). Returns how many changes were made (moves, a split, new waybills), None when
    it has no supplier order id yet (nothing to read). A split that does not match the order
    holds the sub-order for an operator (:func:`hold_split_mismatch`). Raises the adapter's
    ``SupplierError`` subclasses."""
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, sub_order_no)
        target = (sub.supplier_id, sub.upstream_order_id) if sub else None
    if target is None or target[1] is None:
        return None
    adapter = await adapter_for(target[0])
    upstream = await read_upstream(adapter, target[1])
    try:
        async with database.platform_transaction() as session:
            return await apply_upstream(session, sub_order_no, upstream, via=via)
    except SplitMismatch as exc:
        await hold_split_mismatch(database, sub_order_no, upstream, exc)
        return 0


async def hold_split_mismatch(
    database: Database, sub_order_no: str, upstream: Upstream, exc: SplitMismatch
) -> None:
    """A split that does not match the order is an alarm: the sub-order is held for an
    operator (``held_reason`` ``split_mismatch``; reconciliation and the timeouts leave it
    alone, its money stays frozen), with a ``held`` line on its timeline, an ``orders.alarm``
    domain event naming both sides' lines, and an error log."""
    children = [
        {"supplier_order_id": c.supplier_order_id, "lines": [[x.sku, x.quantity] for x in c.lines]}
        for c in upstream.order.children
    ]
    log.error(
        "order alarm: supplier split does not match",
        sub_order_no=sub_order_no,
        mismatch=exc.details,
        children=children,
    )
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, sub_order_no)
        if sub is None or await repository.lock_order(session, sub.order_id) is None:
            return
        sub.held_reason = SPLIT_MISMATCH
        await repository.add(
            session,
            OrderEvent.note(
                sub,
                "held",
                outcome=Outcome.REFUSED,
                source="system",
                details={"reason": SPLIT_MISMATCH, **exc.details},
            ),
        )
        raise_event(
            session,
            ALARM_EVENT,
            subject_type="sub_order",
            subject_id=sub.id,
            sub_order_no=sub_order_no,
            reason=SPLIT_MISMATCH,
            upstream_order_id=upstream.order.supplier_order_id,
            children=children,
        )


async def apply_upstream(
    session: AsyncSession, sub_order_no: str, upstream: Upstream, *, via: str
) -> int:
    """Apply the supplier's order ``upstream`` to sub-order ``sub_order_no`` in the caller's
    transaction (a split recorded, statuses moved forward, waybills recorded); returns how
    many changes that made."""
    sub = await repository.find_sub_order(session, sub_order_no)
    if sub is None:
        return 0
    if not upstream.order.children:
        return await _follow(session, sub, upstream.order, upstream.tracks, via)
    was_split = sub.status == SubOrderStatus.SPLIT
    children = await record_split(session, sub_order_no, upstream.order)
    changes = int(bool(children) and not was_split)
    by_upstream_id = {child.upstream_order_id: child for child in children}
    for child_order in upstream.order.children:
        child = by_upstream_id.get(child_order.supplier_order_id)
        if child is not None:
            changes += await _follow(session, child, child_order, upstream.tracks, via)
    return changes


async def _follow(
    session: AsyncSession,
    sub: SubOrder,
    order: UpstreamOrder,
    tracks: Mapping[str, OrderTrack],
    via: str,
) -> int:
    changes = 0
    event = EVENT_OF[order.status]
    if decide(SubOrderStatus(sub.status), event).outcome is Outcome.MOVED:
        await apply_event(session, sub.sub_order_no, event, source="supplier", details={"via": via})
        changes += 1
    track = tracks.get(order.supplier_order_id)
    if track is not None:
        changes += await record_waybills(session, sub, track)
    return changes


async def record_waybills(session: AsyncSession, sub: SubOrder, track: OrderTrack) -> int:
    """Record the waybills of ``track`` that belong to ``sub`` (all when the supplier does not
    say which order a waybill is for); returns how many were new."""
    own = [
        w
        for w in track.waybills
        if w.waybill_no and w.supplier_order_id in ("", sub.upstream_order_id)
    ]
    rows = [(w.carrier, w.waybill_no, _shipped_at(track, w.waybill_no)) for w in own]
    added = await sync_repository.add_waybills(session, sub, rows)
    if added:
        log.info("waybills recorded", sub_order_no=sub.sub_order_no, added=added)
    return added


def _shipped_at(track: OrderTrack, waybill_no: str) -> datetime | None:
    """When the tracking first names the waybill (the parcel left), if it does."""
    times = [event.at for event in track.events if waybill_no in event.content]
    return min(times) if times else None
