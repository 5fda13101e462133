"""All SQL of the catalog's reference data: categories (ours and the suppliers') and areas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Area, Category, SupplierCategory


async def mapped_categories(
    session: AsyncSession, supplier_id: int, category_ids: Iterable[int]
) -> dict[int, int | None]:
    query = select(SupplierCategory.category_id, SupplierCategory.mapped_category_id).where(
        SupplierCategory.supplier_id == supplier_id,
        SupplierCategory.category_id.in_(list(category_ids)),
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def supplier_categories(
    session: AsyncSession, supplier_id: int
) -> dict[int, SupplierCategory]:
    query = select(SupplierCategory).where(SupplierCategory.supplier_id == supplier_id)
    return {c.category_id: c for c in (await session.scalars(query)).all()}


async def category_names(session: AsyncSession, category_ids: Iterable[int]) -> dict[int, str]:
    query = select(Category.id, Category.name).where(Category.id.in_(list(category_ids)))
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def lock_category_sync(session: AsyncSession, supplier_id: int) -> None:
    """Serialise category syncs of one supplier across processes (released at commit): two
    rule jobs syncing at once each mirrored the first category, a duplicate subtree."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('hive.category_sync'), :id)"),
        {"id": supplier_id},
    )


async def find_category(session: AsyncSession, parent_id: int | None, name: str) -> Category | None:
    parent = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    return await session.scalar(select(Category).where(parent, Category.name == name))


async def add_category(session: AsyncSession, category: Category) -> None:
    session.add(category)
    await session.flush()


async def upsert_supplier_category(session: AsyncSession, row: SupplierCategory) -> None:
    values = {"parent_id": row.parent_id, "name": row.name, "level": row.level}
    statement = insert(SupplierCategory).values(
        supplier_id=row.supplier_id,
        category_id=row.category_id,
        mapped_category_id=row.mapped_category_id,
        **values,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["supplier_id", "category_id"],
            set_={**values, "synced_at": text("now()")},
        )
    )


async def upsert_areas(session: AsyncSession, rows: Sequence[Area]) -> None:
    if not rows:
        return
    statement = insert(Area).values(
        [{"id": a.id, "parent_id": a.parent_id, "name": a.name, "level": a.level} for a in rows]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "parent_id": statement.excluded.parent_id,
                "name": statement.excluded.name,
                "level": statement.excluded.level,
                "synced_at": text("now()"),
            },
        )
    )


async def areas_at_level(session: AsyncSession, level: int) -> Sequence[Area]:
    return (await session.scalars(select(Area).where(Area.level == level).order_by(Area.id))).all()


async def active_categories(session: AsyncSession) -> Sequence[Category]:
    """Every active category of Hive's tree, parents before children (level, then order)."""
    query = (
        select(Category)
        .where(Category.active.is_(True))
        .order_by(Category.level, Category.sort_order, Category.id)
    )
    return (await session.scalars(query)).all()
