"""Property: for any pools (kinds, members, on/off) and assignments (grades, tenants), each
tenant sees exactly what a plain Python statement of the rule says — the union of its active
pools, exclusive products reserved to their exclusive pools — as the tenant role."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from tests.catalog.distribution.conftest import ITEMS, OPERATOR, World, grade_of, visible
from tests.catalog.search.conftest import CATEGORIES

CATEGORY_IDS = [c[0] for c in CATEGORIES]
PARENT = {c[0]: c[1] for c in CATEGORIES}
TENANTS = ("acme", "beta", "gamma")

pools_strategy = st.lists(
    st.tuples(
        st.sampled_from(list(PoolKind)),
        st.booleans(),  # active
        st.sets(st.sampled_from(CATEGORY_IDS), max_size=3),
        st.sets(st.integers(0, len(ITEMS) - 1), max_size=3),
        st.sets(st.sampled_from(TENANTS), max_size=2),  # by grade (the tenant's grade)
        st.sets(st.sampled_from(TENANTS), max_size=2),  # by tenant
    ),
    max_size=4,
)


def _ancestors(category: int | None) -> set[int]:
    found = set()
    while category is not None:
        found.add(category)
        category = PARENT[category]
    return found


def expected(pools: list[tuple[Any, ...]], tenant: str) -> set[int]:
    """The rule, written plainly: product indexes the tenant sees."""
    withheld = {i for kind, _, _, products, _, _ in pools if kind == PoolKind.EXCLUSIVE
                for i in products}  # fmt: skip
    mine = [p for p in pools if p[1] and (tenant in p[4] or tenant in p[5])]
    seen: set[int] = set()
    for kind, _, categories, products, _, _ in mine:
        if kind == PoolKind.EXCLUSIVE:
            seen |= products
        shared = range(len(ITEMS)) if kind == PoolKind.DEFAULT else [
            i for i, item in enumerate(ITEMS) if kind == PoolKind.CATEGORY
            and _ancestors(item.category_id) & categories
        ]  # fmt: skip
        seen |= {i for i in shared if i not in withheld}
    return seen


async def _build(world: World, pools: list[tuple[Any, ...]]) -> None:
    tenants = {"acme": world.acme, "beta": world.beta, "gamma": world.gamma}
    grades = {name: await grade_of(world.database, tid) for name, tid in tenants.items()}
    async with world.database.platform_transaction() as session:
        for table in ("distribution_withheld_products", "distribution_pools"):
            await session.execute(text(f"DELETE FROM {table}"))
        for n, (kind, active, categories, products, by_grade, by_tenant) in enumerate(pools):
            pool = await distribution.create_pool(
                session, OPERATOR, PoolCreate(name=f"pool-{n}", kind=kind)
            )
            ids = sorted(categories) if kind == PoolKind.CATEGORY else (
                [world.products[i] for i in sorted(products)]
                if kind == PoolKind.EXCLUSIVE else []
            )  # fmt: skip
            if ids:
                await distribution.add_members(session, OPERATOR, pool.id, PoolMembers(ids=ids))
            for name in sorted(by_grade):
                target = AssignmentCreate(grade_id=grades[name])
                await distribution.assign_pool(session, OPERATOR, pool.id, target)
            for name in sorted(by_tenant):
                target = AssignmentCreate(tenant_id=tenants[name])
                await distribution.assign_pool(session, OPERATOR, pool.id, target)
            if not active:
                await distribution.set_pool_active(session, OPERATOR, pool.id, active=False)


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pools=pools_strategy)
async def test_each_tenant_sees_exactly_what_the_rule_says(
    world: World, pools: list[tuple[Any, ...]]
) -> None:
    defaults = [p for p in pools if p[0] == PoolKind.DEFAULT]
    pools = [p for p in pools if p[0] != PoolKind.DEFAULT] + defaults[:1]  # one default pool
    await _build(world, pools)
    for name in TENANTS:
        tenant_id = getattr(world, name)
        seen = await visible(world, tenant_id)
        assert seen == {world.products[i] for i in expected(pools, name)}, name
