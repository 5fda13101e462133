"""Distribution pools: the operators' rules for which products each tenant sees, and the entry
points other code asks "may this tenant see this product?".

Visibility itself is the SQL function ``tenant_visible_products`` (migration 0017); here it is
asked through :func:`visible_product_ids` / :func:`is_visible`, and composed into other
statements with :func:`visible_condition`. Every change of a pool's contents, activity or
assignments re-checks the libraries of the tenants it reaches (hive.catalog.library
.availability), in the same transaction, so an item leaving a tenant's pools is marked
unavailable with a tenant event.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution import repository
from hive.catalog.distribution.errors import (
    AlreadyAssigned,
    AssignmentNotFound,
    DefaultPoolExists,
    InvalidPoolInput,
    PoolNameTaken,
    PoolNotFound,
    WrongPoolKind,
)
from hive.catalog.distribution.models import DistributionPool, PoolAssignment, PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from hive.catalog.distribution.visibility import visible_condition
from hive.catalog.library import availability
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.permissions import Action, require
from hive.platform.validation import Problem

__all__ = [
    "PoolDetail",
    "add_members",
    "assign_pool",
    "create_pool",
    "is_visible",
    "list_pools",
    "pool_detail",
    "remove_members",
    "set_pool_active",
    "unassign_pool",
    "visible_condition",
    "visible_product_ids",
]

PRODUCTS_SHOWN = 100


async def visible_product_ids(
    session: AsyncSession, tenant_id: int, product_ids: Collection[int]
) -> set[int]:
    """Which of ``product_ids`` the tenant may see (unknown ids are simply not visible).
    Works in a platform transaction for any tenant, and in the tenant's own transaction."""
    if not product_ids:
        return set()
    return await repository.visible_ids(session, tenant_id, product_ids)


async def is_visible(session: AsyncSession, tenant_id: int, product_id: int) -> bool:
    """Whether the tenant may see the product."""
    return product_id in await visible_product_ids(session, tenant_id, [product_id])


async def list_pools(session: AsyncSession) -> Sequence[Row[Any]]:
    """Every pool with its kind, activity and member and assignment counts."""
    return await repository.list_pools(session)


@dataclass(frozen=True, slots=True)
class PoolDetail:
    pool: DistributionPool
    categories: Sequence[Row[Any]]
    products: Sequence[Row[Any]]
    product_count: int
    assignments: Sequence[Row[Any]]
    grades: Sequence[Row[Any]]
    tenants: Sequence[Row[Any]]


async def pool_detail(session: AsyncSession, pool_id: int) -> PoolDetail:
    """A pool with its categories, latest products, assignments and the assignment choices."""
    pool = await _pool(session, pool_id)
    grades, tenants = await repository.choices(session)
    return PoolDetail(
        pool=pool,
        categories=await repository.pool_categories(session, pool_id),
        products=await repository.pool_products(session, pool_id, limit=PRODUCTS_SHOWN),
        product_count=await repository.count_pool_products(session, pool_id),
        assignments=await repository.pool_assignments(session, pool_id),
        grades=grades,
        tenants=tenants,
    )


async def create_pool(session: AsyncSession, actor: Actor, data: PoolCreate) -> DistributionPool:
    """A new pool (active, assigned to nobody yet). Raises :class:`PoolNameTaken`,
    :class:`DefaultPoolExists`."""
    require(actor, Action.MANAGE_DISTRIBUTION)
    if await repository.pool_named(session, data.name):
        raise PoolNameTaken(details={"name": data.name})
    if data.kind is PoolKind.DEFAULT and await repository.default_pool(session):
        raise DefaultPoolExists()
    pool = DistributionPool(
        name=data.name, kind=data.kind.value, description=data.description, active=True
    )
    await repository.add_pool(session, pool)
    await _audit(session, actor, "distribution.pool_created", pool.id, data.model_dump())
    return pool


async def set_pool_active(
    session: AsyncSession, actor: Actor, pool_id: int, *, active: bool
) -> None:
    """Switch a pool on or off; its tenants' libraries follow."""
    require(actor, Action.MANAGE_DISTRIBUTION)
    pool = await _pool(session, pool_id, lock=True)
    if pool.active == active:
        return
    pool.active = active
    await session.flush()
    await availability.tenants_changed(session, await repository.pool_tenant_ids(session, pool_id))
    await _audit(session, actor, "distribution.pool_active", pool_id, {"active": active})


async def add_members(
    session: AsyncSession, actor: Actor, pool_id: int, members: PoolMembers
) -> int:
    """Add categories (category pool) or products (exclusive pool); returns how many were new.
    Raises :class:`WrongPoolKind`, or :class:`InvalidPoolInput` naming ids that do not exist
    (nothing is added then)."""
    require(actor, Action.MANAGE_DISTRIBUTION)
    pool = await _pool(session, pool_id, lock=True)
    table = _member_table(pool)
    missing = sorted(set(members.ids) - await repository.existing_ids(session, table, members.ids))
    if missing:
        raise InvalidPoolInput([Problem("ids", "not_found", {"ids": _listed(missing)})])
    if pool.kind == PoolKind.CATEGORY:
        added = await repository.add_categories(session, pool_id, members.ids)
    else:
        added = await repository.add_products(session, pool_id, members.ids)
    await _members_changed(session, pool, members.ids)
    await _audit(session, actor, "distribution.members_added", pool_id, {"ids": members.ids})
    return added


async def remove_members(
    session: AsyncSession, actor: Actor, pool_id: int, members: PoolMembers
) -> int:
    """Remove categories or products from a pool; returns how many were there."""
    require(actor, Action.MANAGE_DISTRIBUTION)
    pool = await _pool(session, pool_id, lock=True)
    if _member_table(pool) == "categories":
        removed = 0
        for category_id in members.ids:
            removed += await repository.remove_category(session, pool_id, category_id)
    else:
        removed = await repository.remove_products(session, pool_id, members.ids)
    await _members_changed(session, pool, members.ids)
    await _audit(session, actor, "distribution.members_removed", pool_id, {"ids": members.ids})
    return removed


async def assign_pool(
    session: AsyncSession, actor: Actor, pool_id: int, target: AssignmentCreate
) -> PoolAssignment:
    """Give a pool to a customer grade or to one tenant. Raises :class:`InvalidPoolInput`
    (neither or both, unknown grade or tenant), :class:`AlreadyAssigned`."""
    require(actor, Action.MANAGE_DISTRIBUTION)
    pool = await _pool(session, pool_id, lock=True)
    await _check_target(session, target)
    existing = await repository.find_assignment(
        session, pool_id, grade_id=target.grade_id, tenant_id=target.tenant_id
    )
    if existing:
        raise AlreadyAssigned(details=target.model_dump())
    assignment = PoolAssignment(
        pool_id=pool_id, grade_id=target.grade_id, tenant_id=target.tenant_id
    )
    await repository.add_assignment(session, assignment)
    await _pool_changed(session, pool)
    await _audit(session, actor, "distribution.pool_assigned", pool_id, target.model_dump())
    return assignment


async def unassign_pool(
    session: AsyncSession, actor: Actor, pool_id: int, assignment_id: int
) -> None:
    """Take a pool back from a grade or tenant; the items it alone made visible become
    unavailable."""
    require(actor, Action.MANAGE_DISTRIBUTION)
    pool = await _pool(session, pool_id, lock=True)
    assignment = await repository.get_assignment(session, assignment_id)
    if assignment is None or assignment.pool_id != pool_id:
        raise AssignmentNotFound(details={"assignment_id": assignment_id})
    before = await repository.pool_tenant_ids(session, pool_id)
    target = {"grade_id": assignment.grade_id, "tenant_id": assignment.tenant_id}
    await repository.delete_assignment(session, assignment)
    await availability.tenants_changed(session, before)
    await _audit(session, actor, "distribution.pool_unassigned", pool.id, target)


async def _check_target(session: AsyncSession, target: AssignmentCreate) -> None:
    if (target.grade_id is None) == (target.tenant_id is None):
        raise InvalidPoolInput([Problem("target", "grade_or_tenant")])
    table, wanted = (
        ("customer_grades", target.grade_id)
        if target.grade_id is not None
        else ("tenants", target.tenant_id)
    )
    assert wanted is not None
    if not await repository.existing_ids(session, table, [wanted]):
        field = "grade_id" if table == "customer_grades" else "tenant_id"
        raise InvalidPoolInput([Problem(field, "not_found", {"ids": str(wanted)})])


async def _pool(session: AsyncSession, pool_id: int, *, lock: bool = False) -> DistributionPool:
    pool = await repository.get_pool(session, pool_id, lock=lock)
    if pool is None:
        raise PoolNotFound(details={"pool_id": pool_id})
    return pool


def _member_table(pool: DistributionPool) -> str:
    if pool.kind == PoolKind.CATEGORY:
        return "categories"
    if pool.kind == PoolKind.EXCLUSIVE:
        return "products"
    raise WrongPoolKind(details={"kind": pool.kind})


async def _members_changed(
    session: AsyncSession, pool: DistributionPool, ids: Collection[int]
) -> None:
    """An exclusive pool's products changed: they are withheld from (or released to) every
    other pool, so every library holding them is re-checked; a category pool's: its tenants'."""
    if pool.kind != PoolKind.EXCLUSIVE:
        await _pool_changed(session, pool)
        return
    await session.flush()
    await repository.sync_withheld(session, ids)
    await availability.products_changed(session, ids)


async def _pool_changed(session: AsyncSession, pool: DistributionPool) -> None:
    await session.flush()
    await availability.tenants_changed(session, await repository.pool_tenant_ids(session, pool.id))


async def _audit(
    session: AsyncSession, actor: Actor, action: str, pool_id: int, details: dict[str, Any]
) -> None:
    await record_audit(
        session,
        actor,
        action,
        target_type="distribution_pool",
        target_id=pool_id,
        details=details,
    )


def _listed(ids: Sequence[int], shown: int = 10) -> str:
    text = ", ".join(str(i) for i in ids[:shown])
    return text + (" …" if len(ids) > shown else "")
