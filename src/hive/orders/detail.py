"""What an order page shows: the order with product names on its lines, its sub-orders, the
timeline, and — for staff — each sub-order's supplier and supplier order id and the money
movements of its sub-orders (freeze, capture, release postings from the ledger).

:func:`staff_order` is the operators' view (any tenant's order, by id, in a platform
transaction); :func:`tenant_order` the tenant's own (by its order number, under row-level
security: another tenant's number is ``order_not_found``). Receivers stay masked here; the whole
receiver is :func:`hive.orders.receivers.reveal_receiver`, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository
from hive.orders import search_repository as pages
from hive.orders.errors import OrderNotFound
from hive.orders.models import Order, OrderEvent, OrderWaybill
from hive.orders.search_repository import Movement
from hive.orders.service import get_order
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Action, require


@dataclass(frozen=True, slots=True)
class Line:
    line_no: int
    product_id: int
    product_name: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    sub_order_no: str


@dataclass(frozen=True, slots=True)
class SubOrderLine:
    sub_order_no: str
    status: str
    total_fen: int
    parent_no: str | None
    supplier_name: str  # "" in the tenant's view
    upstream_order_id: str | None  # None in the tenant's view
    held_reason: str | None = None  # an alarm of the submission saga (staff view only)


@dataclass(frozen=True, slots=True)
class OrderPage:
    order: Order
    tenant_name: str
    lines: list[Line]
    sub_orders: list[SubOrderLine]
    timeline: list[OrderEvent]
    movements: list[Movement]  # [] in the tenant's view
    sub_numbers: dict[int, str]  # sub-order id -> number (for the timeline)
    waybills: dict[str, list[OrderWaybill]]  # sub-order number -> its waybills
    area: str  # the four levels' names ("北京 朝阳区 三环以内"); an unknown id as its number


async def staff_order(session: AsyncSession, actor: Actor, order_id: int) -> OrderPage:
    """Any tenant's order by id, with suppliers and money movements (platform staff only).
    Raises ``order_not_found``, ``permission_denied`` for a tenant user."""
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None:
        raise PermissionDenied(details={"action": Action.VIEW_ORDERS.value})
    order = await pages.find_order_by_id(session, order_id)
    if order is None:
        raise OrderNotFound(details={"order_id": order_id})
    subs = await repository.sub_orders_of(session, order.id)
    numbers = {sub.id: sub.sub_order_no for sub in subs}
    suppliers = await pages.supplier_names(session, sorted({s.supplier_id for s in subs}))
    sub_lines = [
        SubOrderLine(
            sub.sub_order_no,
            sub.status,
            sub.total_fen,
            numbers.get(sub.parent_id) if sub.parent_id else None,
            suppliers.get(sub.supplier_id, ""),
            sub.upstream_order_id,
            sub.held_reason,
        )
        for sub in subs
    ]
    items = await repository.items_of(session, order.id)
    names = await pages.product_names(session, [item.product_id for item in items])
    lines = [
        Line(
            item.line_no,
            item.product_id,
            names.get(item.product_id, ""),
            item.quantity,
            item.unit_price_fen,
            item.amount_fen,
            numbers[item.sub_order_id],
        )
        for item in items
    ]
    return OrderPage(
        order,
        await pages.tenant_name(session, order.tenant_id),
        lines,
        sub_lines,
        await repository.events_of(session, order.id),
        await pages.movements(session, order.tenant_id, list(numbers.values())),
        numbers,
        await _waybills(session, numbers),
        await _area(session, order),
    )


async def _waybills(
    session: AsyncSession, numbers: dict[int, str]
) -> dict[str, list[OrderWaybill]]:
    found: dict[str, list[OrderWaybill]] = {}
    for waybill in await pages.waybills(session, list(numbers)):
        found.setdefault(numbers[waybill.sub_order_id], []).append(waybill)
    return found


async def tenant_order(
    session: AsyncSession, actor: Actor, tenant_id: int, order_no: str
) -> OrderPage:
    """The tenant's own order ``order_no`` (no suppliers, no ledger). Raises
    ``order_not_found`` (also for another tenant's number)."""
    view = await get_order(session, actor, tenant_id, order_no)
    names = await pages.product_names(session, [line.product_id for line in view.lines])
    lines = [
        Line(
            line.line_no,
            line.product_id,
            names.get(line.product_id, ""),
            line.quantity,
            line.unit_price_fen,
            line.amount_fen,
            line.sub_order_no,
        )
        for line in view.lines
    ]
    subs = [
        SubOrderLine(s.sub_order_no, s.status, s.total_fen, s.parent_no, "", None)
        for s in view.sub_orders
    ]
    numbers = {
        sub.id: sub.sub_order_no for sub in await repository.sub_orders_of(session, view.order.id)
    }
    return OrderPage(
        view.order,
        "",
        lines,
        subs,
        view.timeline,
        [],
        numbers,
        await _waybills(session, numbers),
        await _area(session, view.order),
    )


async def _area(session: AsyncSession, order: Order) -> str:
    ids = [order.province_id, order.city_id, order.county_id]
    ids += [order.town_id] if order.town_id else []
    names = await pages.area_names(session, ids)
    return " ".join(names.get(area_id, str(area_id)) for area_id in ids)
