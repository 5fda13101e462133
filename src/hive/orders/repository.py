"""All SQL of the orders domain."""

from __future__ import annotations

from sqlalchemy import select, text
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


async def find_order(session: AsyncSession, tenant_id: int, order_no: str) -> Order | None:
    query = select(Order).where(Order.tenant_id == tenant_id, Order.order_no == order_no)
    return await session.scalar(query)


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
