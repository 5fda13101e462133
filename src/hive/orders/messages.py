"""The orders' change-feed handlers: supplier order messages move our sub-orders.

Each message names the supplier's order id (``supplier_order_id``; a split names the parent,
``parent_order_id``); the sub-order carrying that id (``sub_orders.upstream_order_id``, which
the submission saga records at placement and a split records on its children) is the one the
message is about. In the message's transaction:

| message | what happens |
|---|---|
| shipped (12) | ``shipped``; a sync job reads the tracking for the waybills |
| delivered (5) | ``delivered`` (a delivery the recipient refused: a sync job reads the order) |
| completed (31) | ``completed`` (the freeze is captured) |
| cancelled (10) / auto-cancelled (15) | ``cancelled`` / ``auto_cancelled`` (released) |
| payment failed (14) | ``refused`` (failed, released) |
| split (1) | a sync job reads the order and records the children |

Events go through :func:`hive.orders.lifecycle.apply_event` with source ``supplier``, so a
duplicated or late message is recorded as ignored and changes nothing. A message about a split
parent defers a sync job instead (its children carry on). A message about an order we do not
know (another system's, or a child whose split is not recorded yet — reconciliation reads it
later) is logged and acknowledged; it never fails the feed. Order created (25) has no handler:
placement is the saga's to record.

Importing this module subscribes the handlers to the process-wide registry.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry, default_registry
from hive.orders import sync_repository, sync_tasks
from hive.orders.lifecycle import apply_event
from hive.orders.models import SubOrder
from hive.orders.status import SubOrderEvent, SubOrderStatus
from hive.platform.jobs import defer_in_transaction
from hive.platform.logging import get_logger
from hive.suppliers.types import MessageType, SupplierMessage

log = get_logger(__name__)

M, E = MessageType, SubOrderEvent
# The event each status message reports.
EVENT_OF: Mapping[MessageType, SubOrderEvent] = {
    M.ORDER_SHIPPED: E.SHIPPED,
    M.ORDER_DELIVERED: E.DELIVERED,
    M.ORDER_COMPLETED: E.COMPLETED,
    M.ORDER_CANCELLED: E.CANCELLED,
    M.ORDER_AUTO_CANCELLED: E.AUTO_CANCELLED,
    M.PAYMENT_FAILED: E.REFUSED,
}
# Messages whose whole story needs the supplier's detail: a sync job reads it.
_NEEDS_DETAIL = frozenset({M.ORDER_SPLIT, M.ORDER_SHIPPED})


async def on_order_message(
    session: AsyncSession, supplier_id: int, message: SupplierMessage
) -> None:
    """Apply one order message (see the module docstring)."""
    sub = await _sub_order_of(session, supplier_id, message)
    if sub is None:
        return
    details = {"message_id": message.message_id[:100], "message_type": int(message.type)}
    event = EVENT_OF.get(message.type)
    refused_delivery = message.type is M.ORDER_DELIVERED and message.payload.get("refused") is True
    if sub.status == SubOrderStatus.SPLIT or event is None or refused_delivery:
        await _defer_sync(session, sub.sub_order_no)
        return
    await apply_event(session, sub.sub_order_no, event, source="supplier", details=details)
    if message.type in _NEEDS_DETAIL:
        await _defer_sync(session, sub.sub_order_no)


async def _sub_order_of(
    session: AsyncSession, supplier_id: int, message: SupplierMessage
) -> SubOrder | None:
    key = "parent_order_id" if message.type is M.ORDER_SPLIT else "supplier_order_id"
    upstream_id = message.payload.get(key) or message.payload.get("supplier_order_id")
    sub = (
        await sync_repository.by_upstream_id(session, supplier_id, str(upstream_id))
        if upstream_id
        else None
    )
    if sub is None:
        log.info(
            "order message about an order we do not know; acknowledged",
            supplier_id=supplier_id,
            message_id=message.message_id[:100],
            message_type=int(message.type),
            supplier_order_id=str(upstream_id or "")[:64],
        )
    return sub


async def _defer_sync(session: AsyncSession, sub_order_no: str) -> None:
    await defer_in_transaction(
        session, sync_tasks.sync_sub_order_job, sub_order_no=sub_order_no, via="feed"
    )


ORDER_MESSAGES = (M.ORDER_SPLIT, *EVENT_OF)


def register(registry: HandlerRegistry = default_registry) -> None:
    """Subscribe the order handlers (one message per transaction: each locks its order)."""
    for message_type in ORDER_MESSAGES:
        registry.register(message_type, on_order_message)


register()
