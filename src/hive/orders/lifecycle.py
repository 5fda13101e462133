"""Moving a sub-order through the state machine, with its money and its timeline.

:func:`apply_event` is the one way a sub-order changes status — from the submission saga, the
change feed, reconciliation, a cancellation or a timeout. In the caller's transaction it:

* locks the order (one change of an order at a time, so two messages of one order cannot both
  read the old status);
* asks the table (:func:`hive.orders.status.decide`) what the event does, and appends the
  timeline line whatever the outcome (moved, ignored as stale or duplicated, refused);
* on a move, sets the sub-order's status and the order's derived status, tells the tenant
  (``order.status_changed``, :mod:`hive.orders.notices`), and settles money:
  a failed or cancelled sub-order releases what its freeze still holds; a completed one
  captures it, the items' purchase prices becoming payable to the supplier (each settlement
  idempotent: a retried job moves money once).

A split parent keeps its freeze until its children are recorded (the change-feed sync).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import freezes
from hive.orders import notices, repository
from hive.orders.errors import OrderNotFound
from hive.orders.models import OrderEvent, SubOrder
from hive.orders.status import (
    Decision,
    Outcome,
    SubOrderEvent,
    SubOrderStatus,
    decide,
    order_status,
)
from hive.platform.actor import SYSTEM


async def apply_event(
    session: AsyncSession,
    sub_order_no: str,
    event: SubOrderEvent,
    *,
    source: str,
    details: dict[str, Any] | None = None,
) -> Decision:
    """Apply ``event`` to the sub-order ``sub_order_no`` (see the module docstring); returns
    what it did. ``source`` is one of tenant, operator, supplier, system. Raises
    ``order_not_found`` for an unknown number."""
    found = await repository.find_sub_order(session, sub_order_no)
    order = await repository.lock_order(session, found.order_id) if found else None
    sub = await repository.find_sub_order(session, sub_order_no) if order else None
    if order is None or sub is None:
        raise OrderNotFound(details={"sub_order_no": sub_order_no})
    before = SubOrderStatus(sub.status)
    decision = decide(before, event)
    if decision.outcome is Outcome.MOVED:
        sub.status = decision.status.value
        await _settle(session, sub, decision.status)
        siblings = await repository.sub_orders_of(session, order.id)
        parents = {s.parent_id for s in siblings if s.parent_id is not None}
        counted = (SubOrderStatus(s.status) for s in siblings if s.id not in parents)
        order.status = order_status(counted).value
        await notices.status_changed(session, order, sub, before.value, sub.status)
    await repository.add(
        session,
        OrderEvent(
            tenant_id=order.tenant_id,
            order_id=order.id,
            sub_order_id=sub.id,
            event=event.value,
            from_status=before.value,
            to_status=decision.status.value,
            outcome=decision.outcome.value,
            source=source,
            details={**(details or {}), "order_status": order.status},
        ),
    )
    return decision


async def _settle(session: AsyncSession, sub: SubOrder, status: SubOrderStatus) -> None:
    if sub.total_fen == 0:
        return
    if status in (SubOrderStatus.FAILED, SubOrderStatus.CANCELLED):
        await freezes.release_remaining(session, SYSTEM, sub.tenant_id, sub.sub_order_no)
    elif status is SubOrderStatus.COMPLETED:
        held = await freezes.held_for(session, sub.tenant_id, sub.sub_order_no)
        if held > 0:
            await freezes.capture(
                session,
                SYSTEM,
                sub.tenant_id,
                sub.sub_order_no,
                held,
                supplier_payable_fen=await repository.payable_of(session, sub.id),
                operation_key=f"capture:{sub.sub_order_no}",
            )
