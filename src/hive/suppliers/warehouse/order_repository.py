"""SQL of the warehouse's orders, their events, returns and the change-feed outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.warehouse.models import (
    Warehouse,
    WarehouseAllocation,
    WarehouseMessage,
    WarehouseMovement,
    WarehouseOrder,
    WarehouseOrderEvent,
    WarehouseOrderLine,
    WarehouseProduct,
    WarehouseReturn,
)


async def insert_order_if_new(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert the order; None when this supplier already has one with that ``order_no``.

    ON CONFLICT waits for a concurrent insert of the same number to finish, so two racing
    submissions end with exactly one order.
    """
    statement = (
        insert(WarehouseOrder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["supplier_id", "order_no"])
        .returning(WarehouseOrder.id)
    )
    return await session.scalar(statement)


async def find_order_by_no(
    session: AsyncSession, supplier_id: int, order_no: str
) -> WarehouseOrder | None:
    query = select(WarehouseOrder).where(
        WarehouseOrder.supplier_id == supplier_id, WarehouseOrder.order_no == order_no
    )
    return await session.scalar(query.execution_options(populate_existing=True))


async def get_order(
    session: AsyncSession, supplier_id: int, order_id: int, *, lock: bool = False
) -> WarehouseOrder | None:
    query = select(WarehouseOrder).where(
        WarehouseOrder.supplier_id == supplier_id, WarehouseOrder.id == order_id
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query.execution_options(populate_existing=True))


async def order_lines(session: AsyncSession, order_id: int) -> list[WarehouseOrderLine]:
    query = (
        select(WarehouseOrderLine)
        .where(WarehouseOrderLine.order_id == order_id)
        .order_by(WarehouseOrderLine.sku)
    )
    return list(await session.scalars(query))


async def allocations(
    session: AsyncSession, order_id: int, product_id: int | None = None
) -> list[WarehouseAllocation]:
    query = select(WarehouseAllocation).where(WarehouseAllocation.order_id == order_id)
    if product_id is not None:
        query = query.where(WarehouseAllocation.product_id == product_id)
    query = query.order_by(WarehouseAllocation.id).execution_options(populate_existing=True)
    return list(await session.scalars(query))


async def expired_reservations(
    session: AsyncSession, now: datetime, limit: int
) -> list[WarehouseOrder]:
    """Reserved orders past their deadline, locked; rows another worker holds are skipped."""
    query = (
        select(WarehouseOrder)
        .where(WarehouseOrder.status == "reserved", WarehouseOrder.reserved_until <= now)
        .order_by(WarehouseOrder.reserved_until, WarehouseOrder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def events(session: AsyncSession, order_id: int) -> list[WarehouseOrderEvent]:
    query = (
        select(WarehouseOrderEvent)
        .where(WarehouseOrderEvent.order_id == order_id)
        .order_by(WarehouseOrderEvent.occurred_at, WarehouseOrderEvent.id)
    )
    return list(await session.scalars(query))


async def movements_for_order(
    session: AsyncSession, supplier_id: int, order_no: str
) -> list[tuple[WarehouseMovement, str, str]]:
    """The order's stock movements with the warehouse code and SKU of each."""
    query = (
        select(WarehouseMovement, Warehouse.code, WarehouseProduct.sku)
        .join(Warehouse, Warehouse.id == WarehouseMovement.warehouse_id)
        .join(WarehouseProduct, WarehouseProduct.id == WarehouseMovement.product_id)
        .where(Warehouse.supplier_id == supplier_id, WarehouseMovement.order_no == order_no)
        .order_by(WarehouseMovement.occurred_at, WarehouseMovement.id)
    )
    return [(m, code, sku) for m, code, sku in await session.execute(query)]


async def find_return_by_no(
    session: AsyncSession, supplier_id: int, request_no: str
) -> WarehouseReturn | None:
    query = select(WarehouseReturn).where(
        WarehouseReturn.supplier_id == supplier_id, WarehouseReturn.request_no == request_no
    )
    return await session.scalar(query)


async def get_return(
    session: AsyncSession, supplier_id: int, return_id: int
) -> WarehouseReturn | None:
    query = (
        select(WarehouseReturn)
        .where(WarehouseReturn.supplier_id == supplier_id, WarehouseReturn.id == return_id)
        .with_for_update()
    )
    return await session.scalar(query.execution_options(populate_existing=True))


async def returns_for_order(session: AsyncSession, order_id: int) -> list[WarehouseReturn]:
    query = (
        select(WarehouseReturn)
        .where(WarehouseReturn.order_id == order_id)
        .order_by(WarehouseReturn.id)
    )
    return list(await session.scalars(query))


async def returning_quantity(session: AsyncSession, order_id: int, product_id: int) -> int:
    """Units of the line already in a return that was not refused or cancelled."""
    query = select(func.coalesce(func.sum(WarehouseReturn.quantity), 0)).where(
        WarehouseReturn.order_id == order_id,
        WarehouseReturn.product_id == product_id,
        WarehouseReturn.step.not_in(["cancelled", "refused"]),
    )
    return int(await session.scalar(query) or 0)


async def add_message(
    session: AsyncSession, supplier_id: int, type_: int, payload: dict[str, Any]
) -> None:
    session.add(WarehouseMessage(supplier_id=supplier_id, type=type_, payload=payload))
    await session.flush()


async def fetch_messages(
    session: AsyncSession, supplier_id: int, types: Sequence[int], limit: int
) -> list[WarehouseMessage]:
    query = select(WarehouseMessage).where(WarehouseMessage.supplier_id == supplier_id)
    if types:
        query = query.where(WarehouseMessage.type.in_(list(types)))
    return list(await session.scalars(query.order_by(WarehouseMessage.id).limit(limit)))


async def delete_messages(session: AsyncSession, supplier_id: int, ids: Sequence[int]) -> None:
    await session.execute(
        delete(WarehouseMessage).where(
            WarehouseMessage.supplier_id == supplier_id, WarehouseMessage.id.in_(list(ids))
        )
    )
