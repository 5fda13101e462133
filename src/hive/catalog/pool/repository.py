"""All SQL of the product pool: products, their change history and view stamps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product, ProductChange


async def products_by_sku(
    session: AsyncSession, supplier_id: int, skus: Iterable[str], *, lock: bool = False
) -> dict[str, Product]:
    query = select(Product).where(
        Product.supplier_id == supplier_id, Product.supplier_sku.in_(list(skus))
    )
    if lock:
        query = query.order_by(Product.id).with_for_update()
    return {p.supplier_sku: p for p in (await session.scalars(query)).all()}


async def get_product(
    session: AsyncSession, product_id: int, *, lock: bool = False
) -> Product | None:
    query = select(Product).where(Product.id == product_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def add_product(session: AsyncSession, product: Product) -> None:
    session.add(product)
    await session.flush()


async def set_search_document(session: AsyncSession, product_id: int, document: str) -> None:
    await session.execute(
        text("UPDATE products SET search_vector = to_tsvector('simple', :doc) WHERE id = :id"),
        {"doc": document, "id": product_id},
    )


async def add_change(session: AsyncSession, change: ProductChange) -> None:
    session.add(change)


async def pooled_skus(
    session: AsyncSession, supplier_id: int, skus: Iterable[str]
) -> dict[str, str]:
    """Pool status of the given SKUs that are in the pool (any status)."""
    query = select(Product.supplier_sku, Product.status).where(
        Product.supplier_id == supplier_id, Product.supplier_sku.in_(list(skus))
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def product_history(
    session: AsyncSession, product_id: int, *, limit: int
) -> Sequence[ProductChange]:
    query = (
        select(ProductChange)
        .where(ProductChange.product_id == product_id)
        .order_by(ProductChange.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


# A product seen again within this time keeps its stamp: a busy page does not rewrite rows.
VIEW_STAMP_INTERVAL = timedelta(minutes=10)


async def touch_viewed(session: AsyncSession, product_ids: Iterable[int]) -> None:
    """Stamp ``last_viewed_at`` of the products, unless stamped less than 10 minutes ago."""
    ids = list(product_ids)
    if not ids:
        return
    await session.execute(
        update(Product)
        .where(
            Product.id.in_(ids),
            or_(
                Product.last_viewed_at.is_(None),
                Product.last_viewed_at < func.now() - VIEW_STAMP_INTERVAL,
            ),
        )
        .values(last_viewed_at=func.now())
        .execution_options(synchronize_session=False)
    )


async def status_counts(session: AsyncSession) -> dict[str, int]:
    """How many pool products are in each status."""
    rows = await session.execute(select(Product.status, func.count()).group_by(Product.status))
    return {status: int(count) for status, count in rows.all()}


# Products that entered the pool per day (Asia/Shanghai), from their first history row.
DAILY_ADDITIONS = text(
    """
    SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD'),
           count(*)
      FROM product_changes
     WHERE source = 'selection' AND changes ? 'status'
       AND occurred_at >= now() - make_interval(days => :days)
     GROUP BY 1 ORDER BY 1
    """
)


async def daily_additions(session: AsyncSession, days: int) -> list[tuple[str, int]]:
    rows = await session.execute(DAILY_ADDITIONS, {"days": days})
    return [(day, int(count)) for day, count in rows.all()]
