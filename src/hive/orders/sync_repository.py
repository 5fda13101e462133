"""The SQL of order sync: finding sub-orders by the supplier's order id, a split's children and
items, waybills, and the batches reconciliation and the timeout jobs read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product
from hive.orders.models import OrderItem, OrderWaybill, SubOrder
from hive.orders.status import SubOrderStatus

S = SubOrderStatus
# Sub-orders reconciliation follows: placed upstream and not yet in a final state.
UNFINISHED = (S.PENDING, S.SUBMITTED, S.CONFIRMED, S.SHIPPED, S.DELIVERED)


@dataclass(frozen=True, slots=True)
class ItemSku:
    """An order item with the supplier's SKU of its product."""

    item: OrderItem
    sku: str


async def by_upstream_id(
    session: AsyncSession, supplier_id: int, upstream_order_id: str
) -> SubOrder | None:
    """The sub-order the supplier knows as ``upstream_order_id``, if we know it."""
    query = (
        select(SubOrder)
        .where(SubOrder.supplier_id == supplier_id, SubOrder.upstream_order_id == upstream_order_id)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def children_of(session: AsyncSession, parent_id: int) -> list[SubOrder]:
    query = (
        select(SubOrder)
        .where(SubOrder.parent_id == parent_id)
        .order_by(SubOrder.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(query)).all())


async def items_with_skus(session: AsyncSession, sub_order_id: int) -> list[ItemSku]:
    """The sub-order's items in line order, each with its product's supplier SKU."""
    query = (
        select(OrderItem, Product.supplier_sku)
        .join(Product, Product.id == OrderItem.product_id)
        .where(OrderItem.sub_order_id == sub_order_id)
        .order_by(OrderItem.line_no)
    )
    return [ItemSku(item, sku) for item, sku in (await session.execute(query)).all()]


async def last_line_no(session: AsyncSession, order_id: int) -> int:
    query = select(func.coalesce(func.max(OrderItem.line_no), 0)).where(
        OrderItem.order_id == order_id
    )
    return int(await session.scalar(query) or 0)


async def record_upstream_id(session: AsyncSession, sub: SubOrder, upstream_order_id: str) -> None:
    sub.upstream_order_id = upstream_order_id
    await session.flush()


async def add_waybills(
    session: AsyncSession, sub: SubOrder, waybills: Sequence[tuple[str, str, datetime | None]]
) -> int:
    """Record ``(carrier, waybill_no, shipped_at)`` for ``sub``; ones already there are kept.
    Returns how many were new."""
    if not waybills:
        return 0
    rows = [
        {
            "tenant_id": sub.tenant_id,
            "sub_order_id": sub.id,
            "carrier": carrier[:64],
            "waybill_no": number[:64],
            "shipped_at": shipped_at,
        }
        for carrier, number, shipped_at in waybills
    ]
    statement = (
        insert(OrderWaybill).values(rows).on_conflict_do_nothing().returning(OrderWaybill.id)
    )
    return len((await session.execute(statement)).all())


async def waybills_of(session: AsyncSession, sub_order_ids: Sequence[int]) -> list[OrderWaybill]:
    query = (
        select(OrderWaybill)
        .where(OrderWaybill.sub_order_id.in_(sub_order_ids))
        .order_by(OrderWaybill.sub_order_id, OrderWaybill.id)
    )
    return list((await session.scalars(query)).all())


async def claim_for_reconciliation(session: AsyncSession, limit: int) -> list[str]:
    """Up to ``limit`` unfinished sub-orders placed upstream, the longest unchecked first
    (never checked before any; none held for an operator); marks them checked now and returns
    their numbers. Rows another
    transaction holds are skipped, so two runs never read the same sub-order at once."""
    candidates = (
        select(SubOrder.id)
        .where(
            SubOrder.status.in_([s.value for s in UNFINISHED]),
            SubOrder.upstream_order_id.is_not(None),
            SubOrder.held_reason.is_(None),  # held for an operator: left alone
        )
        .order_by(SubOrder.checked_at.asc().nulls_first(), SubOrder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return await _mark_checked(session, SubOrder.id.in_(candidates))


async def timed_out(
    session: AsyncSession, status: SubOrderStatus, older_than: timedelta, limit: int
) -> list[str]:
    """Up to ``limit`` sub-orders in ``status`` whose status has not changed for longer than
    ``older_than``, the oldest first (none held for an operator, no split's child)."""
    query = (
        select(SubOrder.sub_order_no)
        .where(
            SubOrder.status == status.value,
            SubOrder.updated_at < func.now() - older_than,
            SubOrder.held_reason.is_(None),  # held for an operator: left alone
            # A split's children were made upstream by the supplier: nothing to place or
            # confirm (reconciliation follows them).
            SubOrder.parent_id.is_(None),
        )
        .order_by(SubOrder.updated_at, SubOrder.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def _mark_checked(session: AsyncSession, condition: object) -> list[str]:
    # updated_at keeps its value: the timeouts measure from the last change of status.
    statement = (
        update(SubOrder)
        .where(condition)  # type: ignore[arg-type]
        .values(checked_at=func.now(), updated_at=SubOrder.updated_at)
        .returning(SubOrder.sub_order_no, SubOrder.id)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    return [number for number, _ in sorted(rows, key=lambda row: row[1])]
