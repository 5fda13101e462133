"""Cancelling an order: by its tenant (``POST /open/v1/orders/{order_no}/cancel``, the
workbench) or by an operator (the console), with :func:`cancel_order`.

In the caller's transaction, with the order row locked (as ``apply_event`` locks it, so a
cancellation and a placement job's "placed" never both read the old status):

* a sub-order that has shipped or completed refuses the whole cancellation with
  ``order_not_cancellable`` (409) and nothing changes — the goods are on their way;
* a sub-order not yet placed upstream (``pending`` without a supplier order id) is cancelled
  at once through ``apply_event``, which releases what its freeze holds. A placement job
  that was mid-submit finds it cancelled when it records the placement and cancels the
  upstream order it made (the submission saga's side of the race);
* a sub-order placed upstream but not shipped gets a ``cancel_requested`` timeline line and a
  job (:mod:`hive.orders.cancellation_tasks`) that asks the supplier to cancel and then moves
  it to ``cancelled`` (money released) — or records the supplier's refusal;
* cancelled and failed sub-orders are left as they are, so cancelling twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository
from hive.orders.cancellation_tasks import cancel_upstream_job
from hive.orders.errors import OrderNotCancellable, OrderNotFound
from hive.orders.lifecycle import apply_event
from hive.orders.models import Order, OrderEvent, SubOrder
from hive.orders.status import FINAL, Outcome, SubOrderEvent, SubOrderStatus, decide
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.db import raw_connection
from hive.platform.permissions import Action, require
from hive.platform.validation import InvalidInput, Problem

MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class Cancellation:
    """What a cancellation did, by sub-order number: ``cancelled`` at once, ``cancelling``
    (the supplier is asked), ``already_final`` (cancelled or failed before)."""

    order: Order
    cancelled: list[str]
    cancelling: list[str]
    already_final: list[str]


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput([Problem("reason", "too_long", {"max": MAX_REASON})])
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        raise InvalidInput([Problem("reason", "control_character")])
    return reason


async def _locked_order(
    session: AsyncSession, actor: Actor, tenant_id: int, order_no: str
) -> Order:
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise OrderNotFound(details={"order_no": order_no})
    found = await repository.find_order(session, tenant_id, order_no)
    order = await repository.lock_order(session, found.id) if found else None
    if order is None:
        raise OrderNotFound(details={"order_no": order_no})
    return order


def _in_the_way(subs: list[SubOrder]) -> list[dict[str, str]]:
    """Sub-orders that forbid cancelling: shipped or further (the table refuses a cancel) and
    completed ones (final, but delivered and paid)."""
    return [
        {"sub_order_no": s.sub_order_no, "status": s.status}
        for s in subs
        if s.status == SubOrderStatus.COMPLETED.value
        or decide(SubOrderStatus(s.status), SubOrderEvent.CANCELLED).outcome is Outcome.REFUSED
    ]


async def cancel_order(
    session: AsyncSession, actor: Actor, tenant_id: int, order_no: str, reason: str = ""
) -> Cancellation:
    """Cancel the tenant's order ``order_no`` (see the module docstring). ``actor``: a user or
    app of the tenant, or an operator (``orders.cancel``); ``reason`` one line, ≤ 200
    characters. Raises ``order_not_found`` (also for another tenant's order),
    ``order_not_cancellable`` (409, ``details.sub_orders``), ``invalid_input``,
    ``permission_denied``."""
    require(actor, Action.CANCEL_ORDER)
    reason = _checked_reason(reason)
    order = await _locked_order(session, actor, tenant_id, order_no)
    subs = await repository.sub_orders_of(session, order.id)
    blocked = _in_the_way(subs)
    if blocked:
        raise OrderNotCancellable(details={"order_no": order_no, "sub_orders": blocked})
    source = "tenant" if actor.tenant_id is not None else "operator"
    details = {"reason": reason, "by": actor.username}
    done: dict[str, list[str]] = {"cancelled": [], "cancelling": [], "already_final": []}
    for sub in subs:
        status = SubOrderStatus(sub.status)
        if status is SubOrderStatus.SPLIT:
            continue  # its children are cancelled in its place
        if status in FINAL:
            done["already_final"].append(sub.sub_order_no)
        elif status is SubOrderStatus.PENDING and sub.upstream_order_id is None:
            await apply_event(
                session, sub.sub_order_no, SubOrderEvent.CANCELLED, source=source, details=details
            )
            done["cancelled"].append(sub.sub_order_no)
        else:
            await _ask_upstream(session, sub, source, details)
            done["cancelling"].append(sub.sub_order_no)
    await record_audit(
        session,
        actor,
        "orders.cancel",
        target_type="order",
        target_id=order.id,
        tenant_id=tenant_id,
        details={"order_no": order_no, **details, **done},
    )
    return Cancellation(order, done["cancelled"], done["cancelling"], done["already_final"])


async def _ask_upstream(
    session: AsyncSession, sub: SubOrder, source: str, details: dict[str, str]
) -> None:
    """Record the request and defer the upstream cancel (one waiting job per sub-order: a
    second request while one waits adds only its timeline line)."""
    await repository.add(
        session,
        OrderEvent.note(
            sub, "cancel_requested", outcome=Outcome.MOVED, source=source, details=details
        ),
    )
    try:
        async with session.begin_nested():
            deferrer = cancel_upstream_job.configure(
                connection=await raw_connection(session),
                queueing_lock=f"cancel:{sub.sub_order_no}",
            )
            await deferrer.defer_async(sub_order_no=sub.sub_order_no)
    except AlreadyEnqueued:
        pass
