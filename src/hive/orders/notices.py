"""What a tenant is told about its orders: ``order.status_changed``, raised in the transaction
of the change (hive.events: the pull feed and webhooks read it), on acceptance and on every
move of a sub-order (:func:`hive.orders.lifecycle.apply_event`).

Payload (entity ``order``, its id; ``sequence`` counts the order's events)::

    {"order_no": "PO-1", "sub_order_no": "HV0000000042-01" | null,
     "from": "pending" | null, "to": "submitted",
     "order_status": "submitted", "occurred_at": "2026-11-30T12:00:00+00:00"}

``from``/``to`` are the sub-order's statuses (on acceptance: no sub-order, ``from`` null,
``to`` the order's status). No receiver data: webhooks don't need it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.events.service import EventType, raise_tenant_event
from hive.orders.models import Order, SubOrder


async def status_changed(
    session: AsyncSession,
    order: Order,
    sub: SubOrder | None,
    from_status: str | None,
    to_status: str,
) -> None:
    """Raise ``order.status_changed`` for ``order`` (module docstring) in the caller's
    transaction."""
    await raise_tenant_event(
        session,
        order.tenant_id,
        EventType.ORDER_STATUS_CHANGED,
        entity_type="order",
        entity_id=order.id,
        payload={
            "order_no": order.order_no,
            "sub_order_no": sub.sub_order_no if sub is not None else None,
            "from": from_status,
            "to": to_status,
            "order_status": order.status,
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    )
