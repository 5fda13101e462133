"""All SQL of the catalog's pool, reference data and selection records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import (
    Area,
    Category,
    Product,
    ProductChange,
    SelectionRecord,
    SelectionRule,
    SupplierCategory,
)


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


async def add_selection_records(session: AsyncSession, records: Sequence[SelectionRecord]) -> None:
    session.add_all(records)
    await session.flush()


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


async def get_rule(session: AsyncSession, rule_id: int) -> SelectionRule | None:
    return await session.get(SelectionRule, rule_id)


async def add_rule(session: AsyncSession, rule: SelectionRule) -> None:
    async with session.begin_nested():
        session.add(rule)
        await session.flush()


async def list_rules(session: AsyncSession) -> Sequence[SelectionRule]:
    return (await session.scalars(select(SelectionRule).order_by(SelectionRule.id))).all()


async def scheduled_rules(session: AsyncSession) -> Sequence[SelectionRule]:
    query = select(SelectionRule).where(SelectionRule.scheduled, SelectionRule.enabled)
    return (await session.scalars(query.order_by(SelectionRule.id))).all()


async def products_selected_by_rule(session: AsyncSession, rule_id: int) -> dict[str, Product]:
    """Active pool products whose latest 'added' selection came from ``rule_id``."""
    query = text(
        """
        SELECT DISTINCT ON (r.product_id) r.product_id, r.rule_id
        FROM selection_records r
        WHERE r.product_id IS NOT NULL AND r.outcome = 'added'
        ORDER BY r.product_id, r.id DESC
        """
    )
    owned = [
        row.product_id for row in (await session.execute(query)).all() if row.rule_id == rule_id
    ]
    if not owned:
        return {}
    products = await session.scalars(
        select(Product).where(Product.id.in_(owned), Product.status != "removed")
    )
    return {p.supplier_sku: p for p in products.all()}


async def touch_rule(session: AsyncSession, rule_id: int) -> None:
    await session.execute(
        update(SelectionRule).where(SelectionRule.id == rule_id).values(last_run_at=text("now()"))
    )


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
