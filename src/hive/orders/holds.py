"""Resolving a sub-order the submission saga (or a split) held on an alarm (``held_reason``:
``third_order_mismatch``, ``orphan_not_cancellable``, ``split_mismatch``).

Two operator actions (``orders.resolve_held``: operators and the platform admin), each in the
caller's transaction with the order row locked, audited with the operator's reason:

* :func:`cancel_held` — 取消并退款: the hold is cleared and the sub-order moves to
  ``cancelled`` through ``apply_event`` (its freeze's remainder released, once; a sub-order
  already cancelled keeps its released money). The upstream order, if any, is the operator's
  to handle with the supplier;
* :func:`release_held` — 恢复处理: the hold is cleared, a ``hold_released`` timeline line is
  written and the submission job is deferred again, so the saga looks the order up by
  ``thirdOrder`` and carries on (or holds it again if the supplier's side still differs); a
  sub-order placed and past the saga (``split_mismatch``) also gets a sync job, which reads it
  from the supplier again (and holds it again if the split still does not match).

A sub-order that is not held is ``sub_order_not_held`` (409); another tenant's, or an unknown
number, ``order_not_found`` (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository, search_repository
from hive.orders.cancellation import _checked_reason
from hive.orders.errors import OrderNotCancellable, OrderNotFound, SubOrderNotHeld
from hive.orders.lifecycle import apply_event
from hive.orders.models import OrderEvent, SubOrder
from hive.orders.search_repository import HeldRow
from hive.orders.status import Outcome, SubOrderEvent, SubOrderStatus
from hive.orders.submission_tasks import defer_submission
from hive.orders.sync_tasks import sync_sub_order_job
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.errors import PermissionDenied
from hive.platform.jobs import defer_in_transaction
from hive.platform.permissions import Action, require
from hive.platform.validation import InvalidInput, Problem

# Statuses the submission job itself carries on from (pending, submitted, a cancelled leftover).
_SAGA_STATUSES = frozenset(
    {SubOrderStatus.PENDING.value, SubOrderStatus.SUBMITTED.value, SubOrderStatus.CANCELLED.value}
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What an operator's resolution did: the sub-order, the reason it was held, its status
    after."""

    sub_order_no: str
    held_reason: str
    status: str


async def _locked_held(
    session: AsyncSession, actor: Actor, tenant_id: int, sub_order_no: str, reason: str
) -> tuple[SubOrder, str]:
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise OrderNotFound(details={"sub_order_no": sub_order_no})
    require(actor, Action.RESOLVE_HELD_ORDER)
    reason = _checked_reason(reason)
    if not reason:
        raise InvalidInput([Problem("reason", "required")])
    found = await repository.find_sub_order(session, sub_order_no)
    if found is None or found.tenant_id != tenant_id:
        raise OrderNotFound(details={"sub_order_no": sub_order_no})
    await repository.lock_order(session, found.order_id)
    sub = await repository.find_sub_order(session, sub_order_no)  # re-read under the lock
    if sub is None:
        raise OrderNotFound(details={"sub_order_no": sub_order_no})
    if sub.held_reason is None:
        raise SubOrderNotHeld(details={"sub_order_no": sub_order_no, "status": sub.status})
    return sub, reason


async def _audit(
    session: AsyncSession, actor: Actor, action: str, sub: SubOrder, held: str, reason: str
) -> None:
    await record_audit(
        session,
        actor,
        action,
        target_type="sub_order",
        target_id=sub.id,
        tenant_id=sub.tenant_id,
        details={
            "sub_order_no": sub.sub_order_no,
            "held_reason": held,
            "reason": reason,
            "status": sub.status,
        },
    )


async def cancel_held(
    session: AsyncSession, actor: Actor, tenant_id: int, sub_order_no: str, reason: str
) -> Resolution:
    """取消并退款: cancel the held sub-order ``sub_order_no`` of tenant ``tenant_id`` and
    release what its freeze holds (fen, once). ``reason`` one line, 1–200 characters. Raises
    ``order_not_found``, ``sub_order_not_held``, ``order_not_cancellable`` (shipped),
    ``invalid_input``, ``permission_denied``."""
    sub, reason = await _locked_held(session, actor, tenant_id, sub_order_no, reason)
    held = str(sub.held_reason)
    details = {"reason": reason, "by": actor.username, "resolves": held}
    decision = await apply_event(
        session, sub_order_no, SubOrderEvent.CANCELLED, source="operator", details=details
    )
    if decision.outcome is Outcome.REFUSED:
        raise OrderNotCancellable(
            details={"sub_orders": [{"sub_order_no": sub_order_no, "status": sub.status}]}
        )
    sub.held_reason = None
    await _audit(session, actor, "orders.held_cancelled", sub, held, reason)
    return Resolution(sub_order_no, held, sub.status)


async def release_held(
    session: AsyncSession, actor: Actor, tenant_id: int, sub_order_no: str, reason: str
) -> Resolution:
    """恢复处理: clear the hold of ``sub_order_no`` and defer its submission job again (it
    looks the order up by ``thirdOrder`` first). Money stays frozen. Raises as
    :func:`cancel_held` (but never ``order_not_cancellable``)."""
    sub, reason = await _locked_held(session, actor, tenant_id, sub_order_no, reason)
    held = str(sub.held_reason)
    sub.held_reason = None
    await repository.add(
        session,
        OrderEvent.note(
            sub,
            "hold_released",
            outcome=Outcome.MOVED,
            source="operator",
            details={"reason": reason, "by": actor.username, "resolves": held},
        ),
    )
    await defer_submission(session, sub_order_no)
    if sub.upstream_order_id is not None and sub.status not in _SAGA_STATUSES:
        # Placed and past the saga (a split_mismatch): read it from the supplier again now.
        await defer_in_transaction(
            session, sync_sub_order_job, sub_order_no=sub_order_no, via="operator"
        )
    await _audit(session, actor, "orders.held_released", sub, held, reason)
    return Resolution(sub_order_no, held, sub.status)


HELD_LIST_LIMIT = 200


async def list_held(session: AsyncSession, actor: Actor) -> list[HeldRow]:
    """Every tenant's held sub-orders for staff (``orders.view`` without a tenant), the most
    recently held first, at most 200. Raises ``permission_denied`` for tenant users."""
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None:
        raise PermissionDenied()
    return await search_repository.held_rows(session, HELD_LIST_LIMIT)
