"""Moving stock: reserve (FEFO), deduct, release, put back — always under stock-row locks.

Every function here expects the stock rows it touches to be locked already by the caller with
:func:`repository.lock_stock` (one call, sorted keys), so batches of one (warehouse, product)
change under one mutex and never oversell. The CHECK constraints are the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.errors import OutOfStock
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse.models import WarehouseAllocation
from hive.suppliers.warehouse.repository import StockKey


async def reserve_fefo(
    session: AsyncSession,
    *,
    order_id: int,
    order_no: str,
    sku: str,
    product_id: int,
    quantity: int,
    warehouse_ids: Sequence[int],
    today: date,
) -> list[WarehouseAllocation]:
    """Reserve ``quantity`` units from unexpired batches, first-expiring first."""
    batches = await repo.sellable_batches(session, warehouse_ids, product_id, today)
    available = sum(b.free for b in batches)
    if available < quantity:
        raise OutOfStock(
            f"库存不足 / Out of stock: {sku} wants {quantity}, {available} available",
            details={"sku": sku, "wanted": quantity, "available": available},
        )
    allocations: list[WarehouseAllocation] = []
    left = quantity
    for batch in batches:
        take = min(left, batch.free)
        allocation = WarehouseAllocation(
            order_id=order_id,
            product_id=product_id,
            warehouse_id=batch.warehouse_id,
            batch_id=batch.id,
            quantity=take,
        )
        await _reserve(session, allocation, sku, order_no)
        allocations.append(allocation)
        left -= take
        if left == 0:
            break
    return allocations


async def _reserve(
    session: AsyncSession, allocation: WarehouseAllocation, sku: str, order_no: str
) -> None:
    if not await repo.reserve_from_batch(session, allocation.batch_id, allocation.quantity):
        raise OutOfStock(details={"sku": sku})  # unreachable while the stock row is locked
    key = (allocation.warehouse_id, allocation.product_id)
    await repo.change_stock(session, key, reserved=allocation.quantity)
    await repo.add_movement(
        session,
        key,
        "reserve",
        allocation.quantity,
        batch_id=allocation.batch_id,
        order_no=order_no,
    )
    await repo.add(session, allocation)


async def deduct(
    session: AsyncSession, allocations: Iterable[WarehouseAllocation], order_no: str
) -> None:
    """Turn reserved units into shipped-out units (on hand and reserved both drop)."""
    for a in allocations:
        key = (a.warehouse_id, a.product_id)
        await repo.change_batch(session, a.batch_id, remaining=-a.quantity, reserved=-a.quantity)
        await repo.change_stock(session, key, on_hand=-a.quantity, reserved=-a.quantity)
        await repo.add_movement(
            session, key, "deduct", -a.quantity, batch_id=a.batch_id, order_no=order_no
        )


async def release(
    session: AsyncSession, allocations: Iterable[WarehouseAllocation], order_no: str, reason: str
) -> None:
    """Give reserved units back to sale."""
    for a in allocations:
        key = (a.warehouse_id, a.product_id)
        await repo.change_batch(session, a.batch_id, reserved=-a.quantity)
        await repo.change_stock(session, key, reserved=-a.quantity)
        await repo.add_movement(
            session,
            key,
            "release",
            -a.quantity,
            batch_id=a.batch_id,
            order_no=order_no,
            reason=reason,
        )


async def put_back(
    session: AsyncSession,
    allocation: WarehouseAllocation,
    quantity: int,
    order_no: str,
    reason: str,
) -> None:
    """Return deducted units to their original batch (cancelled after confirmation, or returned)."""
    key = (allocation.warehouse_id, allocation.product_id)
    await repo.change_batch(session, allocation.batch_id, remaining=quantity)
    await repo.change_stock(session, key, on_hand=quantity)
    await repo.add_movement(
        session,
        key,
        "return",
        quantity,
        batch_id=allocation.batch_id,
        order_no=order_no,
        reason=reason,
    )
    allocation.quantity_returned += quantity
    await session.flush()


async def refresh_alerts(session: AsyncSession, keys: Iterable[StockKey], today: date) -> None:
    """Open an alert when sellable units fall below the threshold, clear it when back above."""
    for key in sorted(set(keys)):
        threshold = await repo.stock_threshold(session, key)
        sellable = (await repo.sellable_quantities(session, [key[0]], [key[1]], today)).get(
            key[1], 0
        )
        if threshold > 0 and sellable < threshold:
            await repo.open_alert(session, key, threshold, sellable)
        else:
            await repo.clear_alert(session, key)


def allocation_keys(allocations: Iterable[WarehouseAllocation]) -> list[StockKey]:
    return sorted({(a.warehouse_id, a.product_id) for a in allocations})
