"""All SQL of distribution pools: pools, their categories, products and assignments, and the
visibility function's use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution.models import (
    DistributionPool,
    PoolAssignment,
    PoolCategory,
    PoolProduct,
)
from hive.catalog.distribution.visibility import visible_condition

VISIBLE = visible_condition(":tenant")


async def visible_ids(
    session: AsyncSession, tenant_id: int, product_ids: Iterable[int]
) -> set[int]:
    statement = text(f"SELECT p.id FROM products p WHERE p.id = ANY(:ids) AND {VISIBLE}")  # noqa: S608
    rows = await session.execute(statement, {"ids": list(product_ids), "tenant": tenant_id})
    return set(rows.scalars())


async def get_pool(
    session: AsyncSession, pool_id: int, *, lock: bool = False
) -> DistributionPool | None:
    query = select(DistributionPool).where(DistributionPool.id == pool_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def pool_named(session: AsyncSession, name: str) -> DistributionPool | None:
    return await session.scalar(select(DistributionPool).where(DistributionPool.name == name))


async def default_pool(session: AsyncSession) -> DistributionPool | None:
    return await session.scalar(select(DistributionPool).where(DistributionPool.kind == "default"))


async def add_pool(session: AsyncSession, pool: DistributionPool) -> None:
    session.add(pool)
    await session.flush()


POOL_LIST = text(
    """
    SELECT dp.id, dp.name, dp.kind, dp.description, dp.active,
           (SELECT count(*) FROM distribution_pool_categories pc WHERE pc.pool_id = dp.id)
               AS categories,
           (SELECT count(*) FROM distribution_pool_products pp WHERE pp.pool_id = dp.id)
               AS products,
           (SELECT count(*) FROM distribution_assignments a WHERE a.pool_id = dp.id)
               AS assignments
      FROM distribution_pools dp ORDER BY dp.kind, dp.name
    """
)


async def list_pools(session: AsyncSession) -> Sequence[Row[Any]]:
    return (await session.execute(POOL_LIST)).all()


async def pool_categories(session: AsyncSession, pool_id: int) -> Sequence[Row[Any]]:
    statement = text(
        "SELECT c.id, c.name, c.level FROM distribution_pool_categories pc "
        "JOIN categories c ON c.id = pc.category_id WHERE pc.pool_id = :pool ORDER BY c.id"
    )
    return (await session.execute(statement, {"pool": pool_id})).all()


async def pool_products(session: AsyncSession, pool_id: int, *, limit: int) -> Sequence[Row[Any]]:
    statement = text(
        "SELECT p.id, p.name, p.brand, p.retail_price_fen, p.status "
        "FROM distribution_pool_products pp JOIN products p ON p.id = pp.product_id "
        "WHERE pp.pool_id = :pool ORDER BY pp.added_at DESC, p.id DESC LIMIT :limit"
    )
    return (await session.execute(statement, {"pool": pool_id, "limit": limit})).all()


async def count_pool_products(session: AsyncSession, pool_id: int) -> int:
    query = select(func.count()).select_from(PoolProduct).where(PoolProduct.pool_id == pool_id)
    return int(await session.scalar(query) or 0)


async def pool_assignments(session: AsyncSession, pool_id: int) -> Sequence[Row[Any]]:
    statement = text(
        "SELECT a.id, a.grade_id, g.name AS grade_name, a.tenant_id, "
        "t.code AS tenant_code, t.name AS tenant_name "
        "FROM distribution_assignments a "
        "LEFT JOIN customer_grades g ON g.id = a.grade_id "
        "LEFT JOIN tenants t ON t.id = a.tenant_id "
        "WHERE a.pool_id = :pool ORDER BY a.grade_id NULLS LAST, a.tenant_id"
    )
    return (await session.execute(statement, {"pool": pool_id})).all()


async def existing_ids(session: AsyncSession, table: str, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` exist in ``table`` (a constant of the caller: categories, products,
    customer_grades, tenants)."""
    if table not in {"categories", "products", "customer_grades", "tenants"}:
        raise ValueError(table)
    statement = text(f"SELECT id FROM {table} WHERE id = ANY(:ids)")  # noqa: S608
    return set((await session.execute(statement, {"ids": list(ids)})).scalars())


async def add_categories(session: AsyncSession, pool_id: int, category_ids: Iterable[int]) -> int:
    rows = [{"pool_id": pool_id, "category_id": c} for c in sorted(set(category_ids))]
    if not rows:
        return 0
    result = await session.execute(insert(PoolCategory).values(rows).on_conflict_do_nothing())
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def remove_category(session: AsyncSession, pool_id: int, category_id: int) -> int:
    result = await session.execute(
        delete(PoolCategory).where(
            PoolCategory.pool_id == pool_id, PoolCategory.category_id == category_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


WITHHOLD = text(
    """
    WITH wanted AS (SELECT unnest(CAST(:ids AS bigint[])) AS product_id),
    released AS (
        DELETE FROM distribution_withheld_products w USING wanted
         WHERE w.product_id = wanted.product_id
           AND NOT EXISTS (SELECT 1 FROM distribution_pool_products pp
                             JOIN distribution_pools dp ON dp.id = pp.pool_id
                            WHERE pp.product_id = w.product_id AND dp.kind = 'exclusive')
    )
    INSERT INTO distribution_withheld_products (product_id)
    SELECT DISTINCT pp.product_id FROM distribution_pool_products pp
      JOIN distribution_pools dp ON dp.id = pp.pool_id
     WHERE dp.kind = 'exclusive' AND pp.product_id IN (SELECT product_id FROM wanted)
    ON CONFLICT DO NOTHING
    """
)


async def sync_withheld(session: AsyncSession, product_ids: Iterable[int]) -> None:
    """Withhold each of ``product_ids`` listed in some exclusive pool; release the others."""
    await session.execute(WITHHOLD, {"ids": sorted(set(product_ids))})


async def add_products(session: AsyncSession, pool_id: int, product_ids: Iterable[int]) -> int:
    rows = [{"pool_id": pool_id, "product_id": p} for p in sorted(set(product_ids))]
    if not rows:
        return 0
    result = await session.execute(insert(PoolProduct).values(rows).on_conflict_do_nothing())
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def remove_products(session: AsyncSession, pool_id: int, product_ids: Iterable[int]) -> int:
    result = await session.execute(
        delete(PoolProduct).where(
            PoolProduct.pool_id == pool_id, PoolProduct.product_id.in_(list(product_ids))
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def add_assignment(session: AsyncSession, assignment: PoolAssignment) -> None:
    session.add(assignment)
    await session.flush()


async def find_assignment(
    session: AsyncSession, pool_id: int, *, grade_id: int | None, tenant_id: int | None
) -> PoolAssignment | None:
    query = select(PoolAssignment).where(PoolAssignment.pool_id == pool_id)
    if grade_id is not None:
        query = query.where(PoolAssignment.grade_id == grade_id)
    else:
        query = query.where(PoolAssignment.tenant_id == tenant_id)
    return await session.scalar(query)


async def get_assignment(session: AsyncSession, assignment_id: int) -> PoolAssignment | None:
    return await session.get(PoolAssignment, assignment_id)


async def delete_assignment(session: AsyncSession, assignment: PoolAssignment) -> None:
    await session.delete(assignment)
    await session.flush()


async def pool_tenant_ids(session: AsyncSession, pool_id: int) -> set[int]:
    """Tenants the pool is assigned to, directly or through their grade."""
    statement = text(
        "SELECT t.id FROM tenants t JOIN distribution_assignments a "
        "ON a.tenant_id = t.id OR a.grade_id = t.grade_id WHERE a.pool_id = :pool"
    )
    return set((await session.execute(statement, {"pool": pool_id})).scalars())


async def choices(session: AsyncSession) -> tuple[Sequence[Row[Any]], Sequence[Row[Any]]]:
    """Grades and tenants (id, name) for the assignment form."""
    grades = (await session.execute(text("SELECT id, name FROM customer_grades ORDER BY id"))).all()
    tenants = (
        await session.execute(text("SELECT id, code, name FROM tenants ORDER BY code"))
    ).all()
    return grades, tenants


# Per pool, the facts that decide whether it shows product :product to tenant :tenant (the same
# conditions as tenant_pool_ids and tenant_visible_products, spelled out one by one), and the
# rule's own answer.
_POOL_FACTS = text("""
SELECT dp.id, dp.name, dp.kind, dp.active,
       EXISTS (SELECT 1 FROM distribution_assignments a
                WHERE a.pool_id = dp.id AND a.tenant_id = :tenant) AS for_tenant,
       EXISTS (SELECT 1 FROM distribution_assignments a JOIN tenants t ON t.id = :tenant
                WHERE a.pool_id = dp.id AND a.grade_id = t.grade_id) AS for_grade,
       CASE dp.kind
         WHEN 'default' THEN true
         WHEN 'exclusive' THEN EXISTS (SELECT 1 FROM distribution_pool_products pp
                                        WHERE pp.pool_id = dp.id AND pp.product_id = :product)
         ELSE EXISTS (SELECT 1 FROM distribution_pool_categories pc
                        JOIN products p ON p.id = :product
                        JOIN categories c ON c.id = p.category_id
                        LEFT JOIN categories parent ON parent.id = c.parent_id
                       WHERE pc.pool_id = dp.id
                         AND pc.category_id IN (c.id, c.parent_id, parent.parent_id))
       END AS holds
FROM distribution_pools dp ORDER BY dp.kind, dp.name, dp.id
""")


async def pool_facts(session: AsyncSession, product_id: int, tenant_id: int) -> Sequence[Row[Any]]:
    """Every pool with ``active``, ``for_tenant``, ``for_grade`` and ``holds`` (its
    contents include the product) for this product and tenant."""
    values = {"product": product_id, "tenant": tenant_id}
    return (await session.execute(_POOL_FACTS, values)).all()


async def is_withheld(session: AsyncSession, product_id: int) -> bool:
    """Whether an exclusive pool lists the product (so no shared pool shows it)."""
    statement = text(
        "SELECT EXISTS (SELECT 1 FROM distribution_withheld_products WHERE product_id = :p)"
    )
    return bool(await session.scalar(statement, {"p": product_id}))
