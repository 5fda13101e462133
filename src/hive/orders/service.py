"""Reading orders: one order with its lines, sub-orders and timeline, and a tenant's list.
What ``GET /open/v1/orders/{order_no}``, ``GET /open/v1/orders`` and the order pages show.

A tenant reads its own orders only (another tenant's number is ``order_not_found``, never a
hint that it exists); receivers are masked; suppliers and purchase prices are not shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository, sync_repository
from hive.orders.errors import OrderNotFound
from hive.orders.models import Order, OrderEvent
from hive.orders.status import OrderStatus
from hive.platform.actor import Actor
from hive.platform.permissions import Action, require
from hive.platform.validation import InvalidInput, Problem

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class LineView:
    line_no: int
    product_id: int
    quantity: int
    unit_price_fen: int
    amount_fen: int
    sub_order_no: str


@dataclass(frozen=True, slots=True)
class WaybillView:
    carrier: str
    waybill_no: str
    shipped_at: datetime | None


@dataclass(frozen=True, slots=True)
class SubOrderView:
    sub_order_no: str
    status: str
    items_fen: int
    freight_fen: int
    total_fen: int
    parent_no: str | None
    sub_order_id: int  # the row id (timeline lines name their sub-order by it)
    waybills: tuple[WaybillView, ...] = ()  # once shipped (hive.orders.sync)


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as its tenant sees it (fen; receiver masked)."""

    order: Order
    lines: list[LineView]
    sub_orders: list[SubOrderView]
    timeline: list[OrderEvent]


def _check_scope(actor: Actor, tenant_id: int, order_no: str) -> None:
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise OrderNotFound(details={"order_no": order_no})


async def get_order(
    session: AsyncSession, actor: Actor, tenant_id: int, order_no: str
) -> OrderView:
    """The tenant's order ``order_no``; ``order_not_found`` when it has none of that number."""
    require(actor, Action.VIEW_ORDERS)
    _check_scope(actor, tenant_id, order_no)
    order = await repository.find_order(session, tenant_id, order_no)
    if order is None:
        raise OrderNotFound(details={"order_no": order_no})
    subs = await repository.sub_orders_of(session, order.id)
    numbers = {sub.id: sub.sub_order_no for sub in subs}
    waybills: dict[int, list[WaybillView]] = {}
    for row in await sync_repository.waybills_of(session, list(numbers)):
        view = WaybillView(row.carrier, row.waybill_no, row.shipped_at)
        waybills.setdefault(row.sub_order_id, []).append(view)
    lines = [
        LineView(
            item.line_no,
            item.product_id,
            item.quantity,
            item.unit_price_fen,
            item.amount_fen,
            numbers[item.sub_order_id],
        )
        for item in await repository.items_of(session, order.id)
    ]
    sub_views = [
        SubOrderView(
            sub.sub_order_no,
            sub.status,
            sub.items_fen,
            sub.freight_fen,
            sub.total_fen,
            numbers.get(sub.parent_id) if sub.parent_id else None,
            sub.id,
            tuple(waybills.get(sub.id, ())),
        )
        for sub in subs
    ]
    return OrderView(order, lines, sub_views, await repository.events_of(session, order.id))


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    total: int
    page: int
    page_size: int


def export_own_orders(
    actor: Actor, tenant_id: int, *, status: str | None
) -> repository.OwnExportQuery:
    """Every order of the tenant (of one ``status``), newest first, as a statement the caller
    streams in the tenant's transaction (a CSV download of the workbench list); checked like
    :func:`list_orders`. Only the receiver's masked name and mobile are in it."""
    require(actor, Action.VIEW_ORDERS)
    _check_scope(actor, tenant_id, "")
    if status is not None and status not in {s.value for s in OrderStatus}:
        choices = ", ".join(s.value for s in OrderStatus)
        raise InvalidInput([Problem("status", "not_a_choice", {"choices": choices})])
    return repository.own_orders_statement(tenant_id, status=status)


async def list_orders(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    *,
    status: str | None = None,
    created_after: datetime | None = None,
    page: int = 1,
    page_size: int = 20,
) -> OrderPage:
    """The tenant's orders, newest first, optionally of one status and created after a time.
    Raises ``invalid_input`` for an unknown status or a page out of range."""
    require(actor, Action.VIEW_ORDERS)
    _check_scope(actor, tenant_id, "")
    problems = []
    if status is not None and status not in {s.value for s in OrderStatus}:
        choices = ", ".join(s.value for s in OrderStatus)
        problems.append(Problem("status", "not_a_choice", {"choices": choices}))
    if not 1 <= page <= 10_000:
        problems.append(Problem("page", "too_large" if page > 1 else "too_small"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems.append(Problem("page_size", "too_large", {"max": MAX_PAGE_SIZE}))
    if problems:
        raise InvalidInput(problems)
    rows, total = await repository.list_orders(
        session,
        tenant_id,
        status=status,
        created_after=created_after,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return OrderPage(rows, total, page, page_size)
