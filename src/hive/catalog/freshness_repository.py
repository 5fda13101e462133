"""All SQL of the pool's freshness: set-based reads and writes of many pool products at once.

Rows are read with Core (no ORM identity map to keep in sync) and written with multi-row
statements, so a batch of a hundred products costs a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product, ProductChange
from hive.platform.domain_events import DomainEvent

REMOVED = "removed"
_TOUCHABLE = frozenset({"refreshed_at", "calibrated_at"})


async def pool_rows(
    session: AsyncSession,
    supplier_id: int,
    skus: Iterable[str],
    fields: Iterable[str],
    *,
    lock: bool = False,
) -> list[RowMapping]:
    """``id``, ``supplier_sku`` and ``fields`` of the supplier's pool products (not removed)
    among ``skus``; locked in id order when asked, so concurrent batches cannot deadlock."""
    columns = [Product.id, Product.supplier_sku, *(getattr(Product, f) for f in fields)]
    query = select(*columns).where(
        Product.supplier_id == supplier_id,
        Product.supplier_sku.in_(list(skus)),
        Product.status != REMOVED,
    )
    if lock:
        query = query.order_by(Product.id).with_for_update()
    return list((await session.execute(query)).mappings().all())


async def update_products(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set each row's columns on the product of its ``id`` (one executemany per column set)."""
    if rows:
        await session.execute(update(Product), [dict(row) for row in rows])


async def touch(session: AsyncSession, product_ids: Sequence[int], column: str) -> None:
    """Stamp ``refreshed_at`` or ``calibrated_at`` of the products with now()."""
    if column not in _TOUCHABLE:
        raise ValueError(f"not a freshness timestamp: {column}")
    if product_ids:
        await session.execute(
            update(Product)
            .where(Product.id.in_(list(product_ids)))
            .values({column: func.now()})
            .execution_options(synchronize_session=False)
        )


async def add_changes(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(ProductChange), list(rows))


async def add_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(DomainEvent), list(rows))


async def recent_products(
    session: AsyncSession, since: datetime, *, after_id: int, limit: int
) -> list[RowMapping]:
    """Pool products viewed or ordered at or after ``since``, by id after ``after_id``."""
    query = (
        select(Product.id, Product.supplier_id, Product.supplier_sku)
        .where(
            or_(Product.last_viewed_at >= since, Product.last_ordered_at >= since),
            Product.status != REMOVED,
            Product.id > after_id,
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list((await session.execute(query)).mappings().all())


async def pool_page(
    session: AsyncSession, supplier_id: int, *, after_id: int, limit: int
) -> list[RowMapping]:
    """The next ``limit`` pool products (not removed) of a supplier by id after ``after_id``."""
    query = (
        select(Product.id, Product.supplier_sku)
        .where(
            Product.supplier_id == supplier_id,
            Product.status != REMOVED,
            Product.id > after_id,
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list((await session.execute(query)).mappings().all())


async def pooled_supplier_ids(session: AsyncSession) -> list[int]:
    """Suppliers with at least one pool product that is not removed."""
    query = select(Product.supplier_id).where(Product.status != REMOVED).distinct()
    return sorted((await session.scalars(query)).all())
