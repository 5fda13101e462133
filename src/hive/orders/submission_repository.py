"""SQL of the submission saga: starting an attempt, what to send upstream, the hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product
from hive.orders.models import Order, OrderItem, SubOrder
from hive.orders.status import SubOrderStatus


async def start_attempt(session: AsyncSession, sub_order_no: str) -> int | None:
    """Count one more submission attempt of a pending, unheld sub-order; its new count, or
    None when the sub-order is not waiting to be placed (anything else, or held)."""
    statement = (
        update(SubOrder)
        .where(
            SubOrder.sub_order_no == sub_order_no,
            SubOrder.status == SubOrderStatus.PENDING.value,
            SubOrder.held_reason.is_(None),
        )
        .values(submit_attempts=SubOrder.submit_attempts + 1)
        .returning(SubOrder.submit_attempts)
    )
    attempts = await session.scalar(statement)
    return None if attempts is None else int(attempts)


@dataclass(frozen=True, slots=True)
class PlacementRow:
    """One line as the supplier must receive it: its SKU, quantity and purchase price (fen)."""

    sku: str
    quantity: int
    purchase_price_fen: int


async def sub_order_with_order(
    session: AsyncSession, sub_order_no: str
) -> tuple[SubOrder, Order] | None:
    query = (
        select(SubOrder, Order)
        .join(Order, Order.id == SubOrder.order_id)
        .where(SubOrder.sub_order_no == sub_order_no)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def placement_lines(session: AsyncSession, sub_order_id: int) -> list[PlacementRow]:
    """The sub-order's lines in line order, each with the supplier's SKU."""
    query = (
        select(Product.supplier_sku, OrderItem.quantity, OrderItem.purchase_price_fen)
        .join(Product, Product.id == OrderItem.product_id)
        .where(OrderItem.sub_order_id == sub_order_id)
        .order_by(OrderItem.line_no)
    )
    return [PlacementRow(str(s), int(q), int(p)) for s, q, p in (await session.execute(query))]


async def product_names(
    session: AsyncSession, supplier_id: int, skus: Sequence[str]
) -> dict[str, str]:
    """Our product name of each of the supplier's SKUs we carry."""
    if not skus:
        return {}
    query = select(Product.supplier_sku, Product.name).where(
        Product.supplier_id == supplier_id, Product.supplier_sku.in_(list(skus))
    )
    return {str(sku): str(name) for sku, name in (await session.execute(query)).all()}


async def held_sub_orders(session: AsyncSession, limit: int = 100) -> list[SubOrder]:
    """Sub-orders the saga holds for an operator, oldest first."""
    query = (
        select(SubOrder).where(SubOrder.held_reason.is_not(None)).order_by(SubOrder.id).limit(limit)
    )
    return list((await session.scalars(query)).all())
