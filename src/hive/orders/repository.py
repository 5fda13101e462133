"""All SQL of the orders domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.models import Order, OrderEvent, OrderItem, SubOrder


async def lock_order_number(session: AsyncSession, tenant_id: int, order_no: str) -> None:
    """Hold the tenant's ``order_no`` until the transaction ends: the same number sent many
    times at once is accepted by one transaction while the others wait, then find its order
    (instead of failing on the unique constraint)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"order:{tenant_id}:{order_no}"},
    )


async def order_taken(session: AsyncSession, tenant_id: int, order_no: str) -> bool:
    """Whether the tenant has an order of that number (its id only: nothing loaded)."""
    return await order_hash(session, tenant_id, order_no) is not None


async def order_hash(session: AsyncSession, tenant_id: int, order_no: str) -> str | None:
    """The request hash of the tenant's order of that number, None when it has none (a Core
    read of one column: nothing loaded into the session)."""
    found = await session.scalar(_ORDER_HASH, {"tenant": tenant_id, "order_no": order_no})
    return None if found is None else str(found)


async def find_order(session: AsyncSession, tenant_id: int, order_no: str) -> Order | None:
    query = select(Order).where(Order.tenant_id == tenant_id, Order.order_no == order_no)
    return await session.scalar(query)


_ORDERS = cast(Table, Order.__table__)
_SUB_ORDERS = cast(Table, SubOrder.__table__)
_ITEMS = cast(Table, OrderItem.__table__)
_EVENTS = cast(Table, OrderEvent.__table__)
_ORDER_HASH = select(_ORDERS.c.request_hash).where(
    _ORDERS.c.tenant_id == bindparam("tenant"), _ORDERS.c.order_no == bindparam("order_no")
)
_INSERT_ORDER = insert(_ORDERS).returning(_ORDERS.c.id, _ORDERS.c.created_at)
_INSERT_SUB_ORDERS = insert(_SUB_ORDERS).returning(_SUB_ORDERS.c.id, sort_by_parameter_order=True)
_INSERT_ITEMS = insert(_ITEMS)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id, _EVENTS.c.created_at)


async def insert_order(session: AsyncSession, values: Mapping[str, Any]) -> Order:
    """Insert one order row (a Core statement: no unit-of-work flush); the row written, as an
    ``Order`` outside the session (read it, don't change it)."""
    row = (await session.execute(_INSERT_ORDER, dict(values))).one()
    return Order(**values, id=row.id, created_at=row.created_at, updated_at=row.created_at)


async def insert_sub_orders(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert sub-order rows in one statement; their ids, in the order given."""
    result = await session.execute(_INSERT_SUB_ORDERS, [dict(row) for row in rows])
    return [int(row_id) for row_id in result.scalars()]


async def insert_items(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert order item rows in one statement."""
    await session.execute(_INSERT_ITEMS, [dict(row) for row in rows])


async def insert_event(session: AsyncSession, values: Mapping[str, Any]) -> OrderEvent:
    """Insert one timeline line (Core); the row written, as an ``OrderEvent`` outside the
    session."""
    row = (await session.execute(_INSERT_EVENT, dict(values))).one()
    return OrderEvent(**values, id=row.id, created_at=row.created_at)


async def add(session: AsyncSession, row: Order | SubOrder | OrderItem | OrderEvent) -> None:
    session.add(row)
    await session.flush()


async def add_all(session: AsyncSession, rows: list[OrderItem]) -> None:
    session.add_all(rows)
    await session.flush()


async def sub_orders_of(session: AsyncSession, order_id: int) -> list[SubOrder]:
    query = select(SubOrder).where(SubOrder.order_id == order_id).order_by(SubOrder.id)
    return list((await session.scalars(query)).all())


async def items_of(session: AsyncSession, order_id: int) -> list[OrderItem]:
    query = select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.line_no)
    return list((await session.scalars(query)).all())


async def events_of(session: AsyncSession, order_id: int) -> list[OrderEvent]:
    query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list((await session.scalars(query)).all())


async def lock_order(session: AsyncSession, order_id: int) -> Order | None:
    """The order, locked until the transaction ends: one change of an order at a time."""
    query = (
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def find_sub_order(session: AsyncSession, sub_order_no: str) -> SubOrder | None:
    query = (
        select(SubOrder)
        .where(SubOrder.sub_order_no == sub_order_no)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def payable_of(session: AsyncSession, sub_order_id: int) -> int:
    """What the supplier is owed for a sub-order's items at their purchase prices (fen)."""
    query = select(
        func.coalesce(func.sum(OrderItem.quantity * OrderItem.purchase_price_fen), 0)
    ).where(OrderItem.sub_order_id == sub_order_id)
    return int(await session.scalar(query) or 0)


# number, status, total (fen), masked receiver name and mobile, created at
OwnExportQuery = Select[str, str, int, str, str, datetime]


def own_orders_statement(tenant_id: int, *, status: str | None) -> OwnExportQuery:
    """Every order of the tenant (of one status), newest first as its list: number, status,
    total (fen), the receiver's masked name and mobile, created at."""
    conditions = [Order.tenant_id == tenant_id]
    if status is not None:
        conditions.append(Order.status == status)
    return (
        select(
            Order.order_no,
            Order.status,
            Order.total_fen,
            Order.receiver_name_masked,
            Order.receiver_mobile_masked,
            Order.created_at,
        )
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
    )


async def list_orders(
    session: AsyncSession,
    tenant_id: int,
    *,
    status: str | None,
    created_after: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Order], int]:
    """One page of the tenant's orders, newest first, and how many match in all."""
    conditions = [Order.tenant_id == tenant_id]
    if status is not None:
        conditions.append(Order.status == status)
    if created_after is not None:
        conditions.append(Order.created_at > created_after)
    query = (
        select(Order)
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = list((await session.scalars(query)).all())
    total = await session.scalar(select(func.count()).select_from(Order).where(*conditions))
    return rows, int(total or 0)


# The areas asked for (own) and, in one round trip, which of them have children held (their
# ids as parents; NULL when the provinces' level is held).
_AREAS_AROUND = text(
    "SELECT id, parent_id, level, true AS own FROM areas WHERE id = ANY(CAST(:ids AS bigint[]))"
    " UNION ALL"
    " SELECT DISTINCT parent_id, CAST(NULL AS bigint), CAST(NULL AS integer), false FROM areas"
    " WHERE parent_id = ANY(CAST(:ids AS bigint[])) OR (parent_id IS NULL AND level = 1)"
)


async def areas_around(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, tuple[int | None, int]], set[int | None]]:
    """For the area ``ids``: those the reference data holds (id → (parent id, level)), and which
    of them (``None``: the provinces' level) have children held."""
    known: dict[int, tuple[int | None, int]] = {}
    parents: set[int | None] = set()
    for area_id, parent_id, level, own in await session.execute(_AREAS_AROUND, {"ids": ids}):
        if own:
            known[int(area_id)] = (parent_id, int(level))
        else:
            parents.add(area_id)
    return known, parents
