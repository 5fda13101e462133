"""SQL of the warehouse's stock: warehouses, products, stock rows, batches, movements, alerts.

Stock rows and batches are changed with plain UPDATE statements (never through loaded ORM
objects), so a value read before a lock can never be written back stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Select, Table, bindparam, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.models import Supplier
from hive.suppliers.warehouse.models import (
    Warehouse,
    WarehouseBatch,
    WarehouseLowStockAlert,
    WarehouseMovement,
    WarehouseProduct,
    WarehouseStock,
)

StockKey = tuple[int, int]  # (warehouse_id, product_id)


@dataclass(frozen=True, slots=True)
class FreeBatch:
    id: int
    warehouse_id: int
    free: int


@dataclass(frozen=True, slots=True)
class AlertRow:
    warehouse_code: str
    sku: str
    threshold: int
    available: int
    raised_at: datetime
    cleared_at: datetime | None


async def supplier_kind(session: AsyncSession, supplier_id: int) -> str | None:
    return await session.scalar(select(Supplier.kind).where(Supplier.id == supplier_id))


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def find_warehouse(session: AsyncSession, supplier_id: int, code: str) -> Warehouse | None:
    query = select(Warehouse).where(Warehouse.supplier_id == supplier_id, Warehouse.code == code)
    return await session.scalar(query)


async def find_product(
    session: AsyncSession, supplier_id: int, sku: str
) -> WarehouseProduct | None:
    query = select(WarehouseProduct).where(
        WarehouseProduct.supplier_id == supplier_id, WarehouseProduct.sku == sku
    )
    return await session.scalar(query)


async def products_by_sku(
    session: AsyncSession, supplier_id: int, skus: Sequence[str]
) -> dict[str, WarehouseProduct]:
    query = select(WarehouseProduct).where(
        WarehouseProduct.supplier_id == supplier_id, WarehouseProduct.sku.in_(list(skus))
    )
    return {p.sku: p for p in await session.scalars(query)}


async def serving_warehouse_ids(
    session: AsyncSession, supplier_id: int, province_id: int
) -> list[int]:
    query = (
        select(Warehouse.id)
        .where(Warehouse.supplier_id == supplier_id, Warehouse.province_ids.any_() == province_id)
        .order_by(Warehouse.id)
    )
    return list(await session.scalars(query))


async def ensure_stock_row(session: AsyncSession, warehouse_id: int, product_id: int) -> None:
    statement = insert(WarehouseStock).values(warehouse_id=warehouse_id, product_id=product_id)
    await session.execute(statement.on_conflict_do_nothing())


async def lock_stock(session: AsyncSession, keys: Iterable[StockKey]) -> None:
    """Lock stock rows in (warehouse_id, product_id) order: concurrent lockers cannot deadlock."""
    wanted = sorted(set(keys))
    if not wanted:
        return
    query = (
        select(WarehouseStock.warehouse_id)
        .where(tuple_(WarehouseStock.warehouse_id, WarehouseStock.product_id).in_(wanted))
        .order_by(WarehouseStock.warehouse_id, WarehouseStock.product_id)
        .with_for_update()
    )
    await session.execute(query)


async def stock_threshold(session: AsyncSession, key: StockKey) -> int:
    query = select(WarehouseStock.low_stock_threshold).where(
        WarehouseStock.warehouse_id == key[0], WarehouseStock.product_id == key[1]
    )
    return (await session.scalar(query)) or 0


async def set_threshold(session: AsyncSession, key: StockKey, threshold: int) -> None:
    await session.execute(
        update(WarehouseStock)
        .where(WarehouseStock.warehouse_id == key[0], WarehouseStock.product_id == key[1])
        .values(low_stock_threshold=threshold)
    )


async def change_stock(
    session: AsyncSession, key: StockKey, *, on_hand: int = 0, reserved: int = 0
) -> None:
    await session.execute(
        update(WarehouseStock)
        .where(WarehouseStock.warehouse_id == key[0], WarehouseStock.product_id == key[1])
        .values(
            on_hand=WarehouseStock.on_hand + on_hand,
            reserved=WarehouseStock.reserved + reserved,
            updated_at=func.now(),
        )
    )


async def find_batch(session: AsyncSession, key: StockKey, batch_no: str) -> WarehouseBatch | None:
    query = select(WarehouseBatch).where(
        WarehouseBatch.warehouse_id == key[0],
        WarehouseBatch.product_id == key[1],
        WarehouseBatch.batch_no == batch_no,
    )
    return await session.scalar(query.execution_options(populate_existing=True))


async def sellable_batches(
    session: AsyncSession, warehouse_ids: Sequence[int], product_id: int, today: date
) -> list[FreeBatch]:
    """Unexpired batches with free units, first-expiring first (FEFO)."""
    free = WarehouseBatch.quantity_remaining - WarehouseBatch.quantity_reserved
    query = (
        select(WarehouseBatch.id, WarehouseBatch.warehouse_id, free)
        .where(
            WarehouseBatch.warehouse_id.in_(list(warehouse_ids)),
            WarehouseBatch.product_id == product_id,
            WarehouseBatch.expires_on > today,
            free > 0,
        )
        .order_by(WarehouseBatch.expires_on, WarehouseBatch.id)
    )
    return [FreeBatch(*row) for row in await session.execute(query)]


async def reserve_from_batch(session: AsyncSession, batch_id: int, quantity: int) -> bool:
    """Reserve only if the batch still has ``quantity`` free units; False when it has not."""
    statement = (
        update(WarehouseBatch)
        .where(
            WarehouseBatch.id == batch_id,
            WarehouseBatch.quantity_remaining - WarehouseBatch.quantity_reserved >= quantity,
        )
        .values(quantity_reserved=WarehouseBatch.quantity_reserved + quantity)
        .returning(WarehouseBatch.id)
    )
    return (await session.scalar(statement)) is not None


async def change_batch(
    session: AsyncSession, batch_id: int, *, remaining: int = 0, reserved: int = 0
) -> None:
    await session.execute(
        update(WarehouseBatch)
        .where(WarehouseBatch.id == batch_id)
        .values(
            quantity_remaining=WarehouseBatch.quantity_remaining + remaining,
            quantity_reserved=WarehouseBatch.quantity_reserved + reserved,
        )
    )


async def sellable_quantities(
    session: AsyncSession, warehouse_ids: Sequence[int], product_ids: Sequence[int], today: date
) -> dict[int, int]:
    """Free, unexpired units per product over ``warehouse_ids``."""
    free = WarehouseBatch.quantity_remaining - WarehouseBatch.quantity_reserved
    query = (
        select(WarehouseBatch.product_id, func.sum(free))
        .where(
            WarehouseBatch.warehouse_id.in_(list(warehouse_ids)),
            WarehouseBatch.product_id.in_(list(product_ids)),
            WarehouseBatch.expires_on > today,
        )
        .group_by(WarehouseBatch.product_id)
    )
    return {product_id: int(total) for product_id, total in await session.execute(query)}


async def sellable_by_sku(
    session: AsyncSession, supplier_id: int, skus: Sequence[str], province_id: int, today: date
) -> dict[str, int]:
    """Free, unexpired units per SKU of the supplier over the warehouses serving
    ``province_id``, in one statement (the adapter's stock and area checks run it per order):
    every SKU the supplier has (0 when nothing is free), none at all when no warehouse serves
    the province."""
    params = {"supplier": supplier_id, "skus": list(skus), "province": province_id, "today": today}
    return {str(sku): int(total) for sku, total in await session.execute(_SELLABLE_BY_SKU, params)}


def _sellable_by_sku() -> Select[Any]:
    """The statement of :func:`sellable_by_sku`, on the tables (built once)."""
    w, b, p = (cast(Table, m.__table__).c for m in (Warehouse, WarehouseBatch, WarehouseProduct))
    serving = select(w.id).where(
        w.supplier_id == bindparam("supplier"),
        w.province_ids.any_() == bindparam("province", type_=BigInteger),
    )
    free = func.coalesce(
        select(func.sum(b.quantity_remaining - b.quantity_reserved))
        .where(
            b.product_id == p.id,
            b.warehouse_id.in_(serving),
            b.expires_on > bindparam("today"),
        )
        .scalar_subquery(),
        0,
    )
    return select(p.sku, free).where(
        p.supplier_id == bindparam("supplier"),
        p.sku.in_(bindparam("skus", expanding=True)),
        serving.exists(),
    )


_SELLABLE_BY_SKU = _sellable_by_sku()


async def add_movement(
    session: AsyncSession,
    key: StockKey,
    kind: str,
    quantity: int,
    *,
    batch_id: int | None,
    order_no: str = "",
    reason: str = "",
) -> None:
    session.add(
        WarehouseMovement(
            warehouse_id=key[0],
            product_id=key[1],
            batch_id=batch_id,
            kind=kind,
            quantity=quantity,
            order_no=order_no,
            reason=reason,
        )
    )
    await session.flush()


async def open_alert(session: AsyncSession, key: StockKey, threshold: int, available: int) -> None:
    """Insert an open alert unless one is already open (the partial unique index decides)."""
    statement = insert(WarehouseLowStockAlert).values(
        warehouse_id=key[0], product_id=key[1], threshold=threshold, available=available
    )
    await session.execute(
        statement.on_conflict_do_nothing(
            index_elements=["warehouse_id", "product_id"],
            index_where=WarehouseLowStockAlert.cleared_at.is_(None),
        )
    )


async def clear_alert(session: AsyncSession, key: StockKey) -> None:
    await session.execute(
        update(WarehouseLowStockAlert)
        .where(
            WarehouseLowStockAlert.warehouse_id == key[0],
            WarehouseLowStockAlert.product_id == key[1],
            WarehouseLowStockAlert.cleared_at.is_(None),
        )
        .values(cleared_at=func.now())
    )


async def list_alerts(
    session: AsyncSession, supplier_id: int, *, open_only: bool
) -> list[AlertRow]:
    alert = WarehouseLowStockAlert
    query = (
        select(
            Warehouse.code,
            WarehouseProduct.sku,
            alert.threshold,
            alert.available,
            alert.raised_at,
            alert.cleared_at,
        )
        .join(Warehouse, Warehouse.id == alert.warehouse_id)
        .join(WarehouseProduct, WarehouseProduct.id == alert.product_id)
        .where(Warehouse.supplier_id == supplier_id)
        .order_by(alert.raised_at, alert.id)
    )
    if open_only:
        query = query.where(alert.cleared_at.is_(None))
    return [AlertRow(*row) for row in await session.execute(query)]
