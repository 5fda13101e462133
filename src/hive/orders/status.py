"""The sub-order state machine as data, and the order's status derived from its sub-orders.

:data:`TRANSITIONS` is the one table of allowed moves: ``(status, event) -> next status``.
:func:`decide` applies an event to a status and says whether it moved, was ignored (a stale or
duplicated supplier message: the sub-order is already past what it reports) or was refused
(a move the table does not allow, e.g. a tenant cancelling a shipped sub-order). Nothing else
in the code compares status strings to decide a move.

Supplier progress can arrive out of order (``shipped`` before ``confirmed``), so a progress
event may jump ahead over the stages between; an event behind the current stage is ignored.
Duplicated and reordered messages of one supplier history therefore converge to the state of
the history in order (a property test checks it). Final states accept no event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class SubOrderStatus(StrEnum):
    PENDING = "pending"  # accepted, money frozen, not yet placed upstream
    SUBMITTED = "submitted"  # placed upstream (thirdOrder = our sub-order number)
    CONFIRMED = "confirmed"  # the supplier confirmed (reserved stock, in production)
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    SPLIT = "split"  # the supplier split it: its child sub-orders carry on
    CANCELLED = "cancelled"
    FAILED = "failed"  # the supplier refused it (business refusal)


class SubOrderEvent(StrEnum):
    PLACED = "placed"  # our submission was accepted upstream
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    SPLIT = "split"
    REFUSED = "refused"  # business refusal of the submission
    CANCELLED = "cancelled"  # cancelled upstream (supplier message or our cancel answered)
    AUTO_CANCELLED = "auto_cancelled"  # the supplier cancelled it itself (timeout upstream)
    TIMED_OUT = "timed_out"  # unsubmitted / unconfirmed too long (our periodic job)


# Who caused an event on the timeline.
SOURCES = ("tenant", "operator", "supplier", "system")

S, E = SubOrderStatus, SubOrderEvent

# Progress stages in order: a progress event moves forward over any stages between.
PROGRESS: tuple[SubOrderStatus, ...] = (
    S.PENDING,
    S.SUBMITTED,
    S.CONFIRMED,
    S.SHIPPED,
    S.DELIVERED,
    S.COMPLETED,
)
_PROGRESS_EVENT = {
    E.PLACED: S.SUBMITTED,
    E.CONFIRMED: S.CONFIRMED,
    E.SHIPPED: S.SHIPPED,
    E.DELIVERED: S.DELIVERED,
    E.COMPLETED: S.COMPLETED,
}
FINAL: frozenset[SubOrderStatus] = frozenset({S.COMPLETED, S.SPLIT, S.CANCELLED, S.FAILED})
# Before shipment a sub-order can still be cancelled, split or refused.
_BEFORE_SHIPMENT = (S.PENDING, S.SUBMITTED, S.CONFIRMED)


def transition_table() -> dict[SubOrderStatus, dict[SubOrderEvent, SubOrderStatus]]:
    """The table of allowed moves, built from the stages (:data:`TRANSITIONS` is built by it
    once, at import; the tests build it again, so that mutation testing, which switches a
    changed version of this function on only after the import, sees that version's table)."""
    table: dict[SubOrderStatus, dict[SubOrderEvent, SubOrderStatus]] = {s: {} for s in S}
    for status in PROGRESS:  # completed, the one final stage, is last: no stage comes after it
        for event, target in _PROGRESS_EVENT.items():
            if PROGRESS.index(target) > PROGRESS.index(status):
                table[status][event] = target
    for status in _BEFORE_SHIPMENT:
        table[status][E.CANCELLED] = S.CANCELLED
        table[status][E.AUTO_CANCELLED] = S.CANCELLED
        table[status][E.SPLIT] = S.SPLIT
    table[S.PENDING][E.REFUSED] = S.FAILED
    table[S.SUBMITTED][E.REFUSED] = S.FAILED
    table[S.PENDING][E.TIMED_OUT] = S.CANCELLED
    table[S.SUBMITTED][E.TIMED_OUT] = S.CANCELLED
    return table


# The one table of allowed moves: TRANSITIONS[status][event] -> next status.
TRANSITIONS: Mapping[SubOrderStatus, Mapping[SubOrderEvent, SubOrderStatus]] = transition_table()


class Outcome(StrEnum):
    MOVED = "moved"
    IGNORED = "ignored"  # stale or duplicated: already at or past what the event reports
    REFUSED = "refused"  # the table does not allow it


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    status: SubOrderStatus  # the status after the event (unchanged unless moved)


def decide(status: SubOrderStatus, event: SubOrderEvent) -> Decision:
    """What ``event`` does to a sub-order in ``status`` (see the module docstring)."""
    target = TRANSITIONS[status].get(event)
    if target is not None:
        return Decision(Outcome.MOVED, target)
    if _already_past(status, event):
        return Decision(Outcome.IGNORED, status)
    return Decision(Outcome.REFUSED, status)


def _already_past(status: SubOrderStatus, event: SubOrderEvent) -> bool:
    """A message reporting a stage the sub-order has reached or passed, or anything arriving
    after a final state the supplier itself caused (a late message of a dead sub-order)."""
    if status in FINAL:
        return True
    reported = _PROGRESS_EVENT.get(event)
    return reported is not None and PROGRESS.index(reported) <= PROGRESS.index(status)


def replay(events: Iterable[SubOrderEvent], start: SubOrderStatus = S.PENDING) -> SubOrderStatus:
    """The status after applying ``events`` in turn from ``start`` (refused ones change nothing)."""
    status = start
    for event in events:
        status = decide(status, event).status
    return status


class OrderStatus(StrEnum):
    ACCEPTED = "accepted"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    PARTIALLY_FAILED = "partially_failed"  # some sub-orders failed, the others go on
    CANCELLED = "cancelled"
    FAILED = "failed"


_ORDER_STAGE = {
    S.PENDING: OrderStatus.ACCEPTED,
    S.SUBMITTED: OrderStatus.SUBMITTED,
    S.CONFIRMED: OrderStatus.CONFIRMED,
    S.SHIPPED: OrderStatus.SHIPPED,
    S.DELIVERED: OrderStatus.DELIVERED,
    S.COMPLETED: OrderStatus.COMPLETED,
}


def order_status(sub_orders: Iterable[SubOrderStatus]) -> OrderStatus:
    """An order's status from its sub-orders' — the caller leaves out split parents whose
    children are recorded (the children count instead); a split parent still waiting for its
    children counts as submitted.

    All failed: failed. All cancelled or failed: cancelled. Some failed while others go on:
    partially failed. Otherwise the least advanced of the live sub-orders (an order is shipped
    when every live sub-order is)."""
    statuses = [S.SUBMITTED if s is S.SPLIT else s for s in sub_orders]
    if not statuses:
        raise ValueError("an order has at least one sub-order")
    live = [s for s in statuses if s not in (S.FAILED, S.CANCELLED)]
    if not live:
        return OrderStatus.FAILED if all(s is S.FAILED for s in statuses) else OrderStatus.CANCELLED
    if any(s is S.FAILED for s in statuses):
        return OrderStatus.PARTIALLY_FAILED
    return _ORDER_STAGE[min(live, key=PROGRESS.index)]


def check_sql(column: str, values: Iterable[StrEnum]) -> str:
    """A CHECK expression allowing exactly ``values`` in ``column`` (built from the enums, so
    the database refuses any other status)."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"
