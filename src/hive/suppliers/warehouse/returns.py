"""Returns (the warehouse's after-sales): apply, cancel, and receive the goods back to stock.

A return is possible for shipped, delivered or completed orders, up to the units of the line
not already in another live return. Completing it puts the units back into the batches they
left from, as ``return`` movements.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.permissions import Action, require
from hive.suppliers.errors import UpstreamNotFound
from hive.suppliers.types import (
    AfterSaleCase,
    AfterSaleOptions,
    AfterSaleRequest,
    AfterSaleStep,
    AfterSaleType,
    MessageType,
    PickupMethod,
)
from hive.suppliers.warehouse import order_repository as orepo
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse import stock
from hive.suppliers.warehouse.errors import ReturnNotAllowed, ReturnNotCancellable
from hive.suppliers.warehouse.models import WarehouseOrder, WarehouseReturn
from hive.suppliers.warehouse.orders import format_order_id, load_order
from hive.suppliers.warehouse.rules import business_date

RETURN_ID_PREFIX = "WR"
RETURNABLE_STATUSES = frozenset({"shipped", "delivered", "completed"})
PICKUP_METHODS = (PickupMethod.POST, PickupMethod.DROP_OFF)


def format_return_id(return_id: int) -> str:
    return f"{RETURN_ID_PREFIX}{return_id}"


def parse_return_id(service_id: str) -> int:
    digits = service_id.removeprefix(RETURN_ID_PREFIX)
    if not service_id.startswith(RETURN_ID_PREFIX) or not digits.isdigit():
        raise UpstreamNotFound(f"no warehouse return {service_id!r}")
    return int(digits)


async def _line_allowance(
    session: AsyncSession, order: WarehouseOrder, sku: str
) -> tuple[int, int]:
    """(product id, units still returnable) of the order's line for ``sku``."""
    line = next((x for x in await orepo.order_lines(session, order.id) if x.sku == sku), None)
    if line is None:
        raise UpstreamNotFound(f"order {order.order_no} has no line {sku}")
    if order.status not in RETURNABLE_STATUSES:
        return line.product_id, 0
    taken = await orepo.returning_quantity(session, order.id, line.product_id)
    return line.product_id, max(line.quantity - taken, 0)


async def options(
    session: AsyncSession, supplier_id: int, supplier_order_id: str, sku: str
) -> AfterSaleOptions:
    order = await load_order(session, supplier_id, supplier_order_id)
    _, available = await _line_allowance(session, order, sku)
    if available == 0:
        return AfterSaleOptions(available_quantity=0, types=(), pickup_methods=())
    return AfterSaleOptions(available, (AfterSaleType.RETURN,), PICKUP_METHODS)


def to_case(ret: WarehouseReturn, supplier_order_id: str, sku: str) -> AfterSaleCase:
    return AfterSaleCase(
        service_id=format_return_id(ret.id),
        supplier_order_id=supplier_order_id,
        sku=sku,
        quantity=ret.quantity,
        type=AfterSaleType.RETURN,
        step=AfterSaleStep(ret.step),
    )


async def apply(
    session: AsyncSession, supplier_id: int, request: AfterSaleRequest
) -> AfterSaleCase:
    """Open a return; the same ``request_no`` returns the case opened first."""
    existing = await orepo.find_return_by_no(session, supplier_id, request.request_no)
    if existing is not None:
        return to_case(existing, request.supplier_order_id, request.sku)
    if request.type is not AfterSaleType.RETURN or request.pickup not in PICKUP_METHODS:
        raise ReturnNotAllowed("仅支持寄回或送回的退货 / Only returns by post or drop-off")
    if not request.request_no.strip() or len(request.request_no) > 64:
        raise ReturnNotAllowed("申请单号不合法 / Bad request number")
    order = await load_order(session, supplier_id, request.supplier_order_id, lock=True)
    product_id, available = await _line_allowance(session, order, request.sku)
    if request.quantity <= 0 or request.quantity > available:
        raise ReturnNotAllowed(details={"quantity": request.quantity, "available": available})
    ret = WarehouseReturn(
        supplier_id=supplier_id,
        request_no=request.request_no,
        order_id=order.id,
        product_id=product_id,
        quantity=request.quantity,
        reason=request.reason[:200],
        pickup=request.pickup.value,
        step=AfterSaleStep.APPLIED.value,
    )
    await repo.add(session, ret)
    await _announce(session, ret, order)
    return to_case(ret, request.supplier_order_id, request.sku)


async def _announce(session: AsyncSession, ret: WarehouseReturn, order: WarehouseOrder) -> None:
    payload = {
        "service_id": format_return_id(ret.id),
        "supplier_order_id": format_order_id(order.id),
        "step": ret.step,
    }
    await orepo.add_message(session, ret.supplier_id, int(MessageType.AFTER_SALE_CHANGED), payload)


async def cases(
    session: AsyncSession, supplier_id: int, supplier_order_id: str
) -> list[AfterSaleCase]:
    order = await load_order(session, supplier_id, supplier_order_id)
    skus = {line.product_id: line.sku for line in await orepo.order_lines(session, order.id)}
    return [
        to_case(ret, supplier_order_id, skus[ret.product_id])
        for ret in await orepo.returns_for_order(session, order.id)
    ]


async def _load_return(session: AsyncSession, supplier_id: int, service_id: str) -> WarehouseReturn:
    ret = await orepo.get_return(session, supplier_id, parse_return_id(service_id))
    if ret is None:
        raise UpstreamNotFound(f"no warehouse return {service_id!r}")
    return ret


async def cancel(session: AsyncSession, supplier_id: int, service_id: str) -> None:
    """Withdraw a return not yet received; cancelling twice is harmless."""
    ret = await _load_return(session, supplier_id, service_id)
    if ret.step == AfterSaleStep.CANCELLED.value:
        return
    if ret.step != AfterSaleStep.APPLIED.value:
        raise ReturnNotCancellable(details={"step": ret.step})
    ret.step = AfterSaleStep.CANCELLED.value
    order = await orepo.get_order(session, supplier_id, ret.order_id)
    assert order is not None
    await _announce(session, ret, order)


async def complete(
    session: AsyncSession, actor: Actor, supplier_id: int, service_id: str, now: datetime
) -> None:
    """The returned goods arrived: put them back on stock and close the case. Audited."""
    require(actor, Action.MANAGE_WAREHOUSE)
    ret = await _load_return(session, supplier_id, service_id)
    if ret.step != AfterSaleStep.APPLIED.value:
        raise ReturnNotAllowed(details={"step": ret.step})
    order = await orepo.get_order(session, supplier_id, ret.order_id)
    assert order is not None
    allocations = await orepo.allocations(session, order.id, ret.product_id)
    keys = stock.allocation_keys(allocations)
    await repo.lock_stock(session, keys)
    left = ret.quantity
    for allocation in allocations:
        back = min(left, allocation.quantity - allocation.quantity_returned)
        if back > 0:
            await stock.put_back(session, allocation, back, order.order_no, f"return {service_id}")
            left -= back
    ret.step = AfterSaleStep.COMPLETED.value
    await stock.refresh_alerts(session, keys, business_date(now))
    await _announce(session, ret, order)
    await record_audit(
        session,
        actor,
        "warehouse.return_complete",
        target_type="warehouse_return",
        target_id=service_id,
        details={"quantity": ret.quantity, "order_no": order.order_no},
    )
