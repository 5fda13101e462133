"""Order lifecycle of the warehouse: submit (reserve), confirm (deduct), cancel, expire, ship.

The status machine is data (:data:`TRANSITIONS`); :func:`apply_transition` is the one place a
status changes, and it records the event and the change-feed message with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.personal import mask_address, mask_mobile, mask_name
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.suppliers.errors import AreaRestricted, CannotCancel, UpstreamNotFound
from hive.suppliers.types import MessageType, UpstreamOrderRequest
from hive.suppliers.warehouse import order_repository as orepo
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse import stock
from hive.suppliers.warehouse.errors import InvalidOrderRequest, InvalidOrderTransition
from hive.suppliers.warehouse.models import (
    WarehouseAllocation,
    WarehouseOrder,
    WarehouseOrderEvent,
    WarehouseOrderLine,
    WarehouseProduct,
)
from hive.suppliers.warehouse.ordering import validated_products
from hive.suppliers.warehouse.rules import WarehouseRules, business_date

ORDER_ID_PREFIX = "WH"

TRANSITIONS: dict[str, frozenset[str]] = {
    "reserved": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
STATUS_MESSAGES: dict[str, MessageType] = {
    "shipped": MessageType.ORDER_SHIPPED,
    "delivered": MessageType.ORDER_DELIVERED,
    "completed": MessageType.ORDER_COMPLETED,
    "cancelled": MessageType.ORDER_CANCELLED,
}
CANCELLABLE = frozenset({"reserved", "confirmed"})


def format_order_id(order_id: int) -> str:
    return f"{ORDER_ID_PREFIX}{order_id}"


def parse_order_id(supplier_order_id: str) -> int:
    digits = supplier_order_id.removeprefix(ORDER_ID_PREFIX)
    if not supplier_order_id.startswith(ORDER_ID_PREFIX) or not digits.isdigit():
        raise UpstreamNotFound(f"no warehouse order {supplier_order_id!r}")
    return int(digits)


async def load_order(
    session: AsyncSession, supplier_id: int, supplier_order_id: str, *, lock: bool = False
) -> WarehouseOrder:
    order_id = parse_order_id(supplier_order_id)
    order = await orepo.get_order(session, supplier_id, order_id, lock=lock)
    if order is None:
        raise UpstreamNotFound(f"no warehouse order {supplier_order_id!r}")
    return order


async def apply_transition(
    session: AsyncSession,
    order: WarehouseOrder,
    to: str,
    content: str,
    *,
    operator: str = "",
    message_type: MessageType | None = None,
) -> None:
    """Move ``order`` to status ``to`` if the machine allows it; record event and message."""
    if to not in TRANSITIONS[order.status]:
        raise InvalidOrderTransition(
            f"订单状态 {order.status} 不能变为 {to} / Order {order.status} cannot become {to}",
            details={"from": order.status, "to": to},
        )
    order.status = to
    order.reserved_until = None
    await _record(session, order, content, operator, message_type or STATUS_MESSAGES.get(to))


async def _record(
    session: AsyncSession,
    order: WarehouseOrder,
    content: str,
    operator: str,
    message_type: MessageType | None,
) -> None:
    session.add(
        WarehouseOrderEvent(
            order_id=order.id, status=order.status, content=content, operator=operator
        )
    )
    if message_type is not None:
        payload = {"supplier_order_id": format_order_id(order.id), "order_no": order.order_no}
        await orepo.add_message(session, order.supplier_id, int(message_type), payload)
    await session.flush()


async def submit_order(
    session: AsyncSession,
    supplier_id: int,
    request: UpstreamOrderRequest,
    rules: WarehouseRules,
    now: datetime,
) -> WarehouseOrder:
    """Create the order and reserve its stock (FEFO); the same ``order_no`` returns the first."""
    existing = await orepo.find_order_by_no(session, supplier_id, request.order_no)
    if existing is not None:
        return existing
    products = await validated_products(session, supplier_id, request)
    warehouse_ids = await repo.serving_warehouse_ids(
        session, supplier_id, request.recipient.area.province
    )
    if not warehouse_ids:
        raise AreaRestricted(details={"province": request.recipient.area.province})
    order, created = await _insert_order(session, supplier_id, request, rules, now)
    if not created:
        return order  # a concurrent submission of the same order_no won
    await _reserve_lines(session, order, request, products, warehouse_ids, now)
    await _record(session, order, "订单已预占库存 / Stock reserved", "", MessageType.ORDER_CREATED)
    if request.place_directly:
        await confirm_order(session, supplier_id, format_order_id(order.id))
    return order


async def _insert_order(
    session: AsyncSession,
    supplier_id: int,
    request: UpstreamOrderRequest,
    rules: WarehouseRules,
    now: datetime,
) -> tuple[WarehouseOrder, bool]:
    goods = sum(line.quantity * line.unit_price_fen for line in request.lines)
    freight = rules.freight_for(goods)
    r, area = request.recipient, request.recipient.area
    values = {
        "supplier_id": supplier_id,
        "order_no": request.order_no,
        "status": "reserved",
        "province_id": area.province,
        # Masked only: the whole receiver is personal data kept once, encrypted, on Hive's own
        # order (``orders.receiver_cipher``; this order_no is its sub-order number), and shown
        # whole only to the roles that need it, audited (hive.orders.receivers).
        "recipient": {
            "name": mask_name(r.name),
            "mobile": mask_mobile(r.mobile),
            "address": mask_address(r.address),
            "area": [area.province, area.city, area.county, area.town],
            "zip_code": r.zip_code,
        },
        "total_fen": goods + freight,
        "freight_fen": freight,
        "reserved_until": now + rules.reservation_ttl,
        "carrier": "",
        "waybill_no": "",
    }
    order_id = await orepo.insert_order_if_new(session, values)
    if order_id is None:
        winner = await orepo.find_order_by_no(session, supplier_id, request.order_no)
        if winner is None:  # the conflicting row is committed, so this cannot happen
            raise InvalidOrderRequest("order number conflict, retry")
        return winner, False
    order = await orepo.get_order(session, supplier_id, order_id)
    assert order is not None
    return order, True


async def _reserve_lines(
    session: AsyncSession,
    order: WarehouseOrder,
    request: UpstreamOrderRequest,
    products: dict[str, WarehouseProduct],
    warehouse_ids: Sequence[int],
    now: datetime,
) -> None:
    keys = [(w, p.id) for w in warehouse_ids for p in products.values()]
    await repo.lock_stock(session, keys)
    allocations: list[WarehouseAllocation] = []
    for line in sorted(request.lines, key=lambda item: item.sku):
        product = products[line.sku]
        session.add(
            WarehouseOrderLine(
                order_id=order.id,
                product_id=product.id,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
            )
        )
        allocations += await stock.reserve_fefo(
            session,
            order_id=order.id,
            order_no=order.order_no,
            sku=line.sku,
            product_id=product.id,
            quantity=line.quantity,
            warehouse_ids=warehouse_ids,
            today=business_date(now),
        )
    await stock.refresh_alerts(session, stock.allocation_keys(allocations), business_date(now))


async def confirm_order(session: AsyncSession, supplier_id: int, supplier_order_id: str) -> None:
    """Deduct the reserved stock. Confirming an already confirmed order does nothing."""
    order = await load_order(session, supplier_id, supplier_order_id, lock=True)
    if order.status != "reserved":
        if order.status == "cancelled":
            raise InvalidOrderTransition(
                "订单已取消 / Order is cancelled", details={"from": "cancelled", "to": "confirmed"}
            )
        return
    allocations = await orepo.allocations(session, order.id)
    await repo.lock_stock(session, stock.allocation_keys(allocations))
    await stock.deduct(session, allocations, order.order_no)
    await apply_transition(session, order, "confirmed", "订单已确认，库存已扣减 / Confirmed")


async def cancel_order(
    session: AsyncSession, supplier_id: int, supplier_order_id: str, now: datetime
) -> None:
    """Cancel and give the stock back; refused with CannotCancel once shipped."""
    order = await load_order(session, supplier_id, supplier_order_id, lock=True)
    if order.status == "cancelled":
        return
    if order.status not in CANCELLABLE:
        raise CannotCancel(details={"status": order.status})
    await _give_back([order], session, now, "order cancelled")
    await apply_transition(session, order, "cancelled", "订单已取消 / Cancelled")


async def _give_back(
    orders: Sequence[WarehouseOrder], session: AsyncSession, now: datetime, reason: str
) -> None:
    """Release reservations / put deducted units back for ``orders``, under one sorted lock."""
    per_order = {o.id: await orepo.allocations(session, o.id) for o in orders}
    keys = stock.allocation_keys(a for allocs in per_order.values() for a in allocs)
    await repo.lock_stock(session, keys)
    for order in orders:
        allocations = per_order[order.id]
        if order.status == "reserved":
            await stock.release(session, allocations, order.order_no, reason)
            continue
        for a in allocations:
            if a.quantity > a.quantity_returned:
                await stock.put_back(
                    session, a, a.quantity - a.quantity_returned, order.order_no, reason
                )
    await stock.refresh_alerts(session, keys, business_date(now))


async def release_expired_reservations(
    session: AsyncSession, now: datetime, rules: WarehouseRules
) -> int:
    """Cancel up to ``rules.release_batch_size`` reservations whose deadline passed by ``now``."""
    orders = await orepo.expired_reservations(session, now, rules.release_batch_size)
    if not orders:
        return 0
    await _give_back(orders, session, now, "reservation expired")
    for order in orders:
        await apply_transition(
            session,
            order,
            "cancelled",
            "预占超时未确认，已释放 / Reservation expired",
            message_type=MessageType.ORDER_AUTO_CANCELLED,
        )
    return len(orders)


async def advance_order(
    session: AsyncSession,
    actor: Actor,
    supplier_id: int,
    supplier_order_id: str,
    to: str,
    *,
    carrier: str = "",
    waybill_no: str = "",
) -> None:
    """Operators move an order on: ``shipped`` (with carrier and waybill), ``delivered``,
    ``completed``. Audited."""
    if to == "shipped" and not (carrier.strip() and waybill_no.strip()):
        raise InvalidOrderRequest("发货需要承运商和运单号 / Shipping needs carrier and waybill")
    if to not in ("shipped", "delivered", "completed"):
        raise InvalidOrderRequest(f"not an operator status: {to}")
    order = await load_order(session, supplier_id, supplier_order_id, lock=True)
    await apply_transition(session, order, to, _ADVANCE_TEXT[to], operator=actor.username)
    if to == "shipped":
        order.carrier, order.waybill_no = carrier.strip(), waybill_no.strip()
    await record_audit(
        session,
        actor,
        f"warehouse.order_{to}",
        target_type="warehouse_order",
        target_id=supplier_order_id,
        details={"carrier": order.carrier, "waybill_no": order.waybill_no}
        if to == "shipped"
        else {},
    )


_ADVANCE_TEXT = {
    "shipped": "已出库发货 / Shipped",
    "delivered": "已妥投 / Delivered",
    "completed": "订单完成 / Completed",
}
