"""What a tenant sees: exactly the union of its pools (default, category subtree, exclusive),
assigned by grade or to the tenant, decided by one SQL function — including as the tenant role,
where row-level security hides other tenants' pools on top."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.errors import (
    AlreadyAssigned,
    DefaultPoolExists,
    InvalidPoolInput,
    PoolNameTaken,
    WrongPoolKind,
)
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from hive.catalog.search.service import PoolQuery, SortOrder, search_pool_for_tenant
from tests.catalog.distribution.conftest import (
    CHARGER,
    EARPHONES,
    GIFT_NUTS,
    NUTS,
    OPERATOR,
    PHONE,
    World,
    grade_of,
    make_pool,
    visible,
)


async def _standard_pools(world: World) -> None:
    db = world.database
    gold, silver = await grade_of(db, world.acme), await grade_of(db, world.beta)
    await make_pool(db, "默认池", PoolKind.DEFAULT, grades=[silver])
    # 手机通讯 (2) covers 手机 (3) and 手机配件 (4), not 耳机 (6) under 影音娱乐.
    await make_pool(db, "数码池", PoolKind.CATEGORY, [2], grades=[gold])
    await make_pool(
        db, "acme 专属", PoolKind.EXCLUSIVE, [world.products[GIFT_NUTS]], tenants=[world.acme]
    )


@pytest.mark.parametrize("as_tenant", [True, False], ids=["tenant role", "platform role"])
async def test_a_tenant_sees_exactly_the_union_of_its_pools(world: World, as_tenant: bool) -> None:
    await _standard_pools(world)
    assert await visible(world, world.acme, as_tenant=as_tenant) == world.ids(
        PHONE, CHARGER, GIFT_NUTS
    )
    # The default pool shows everything but acme's exclusive product.
    assert await visible(world, world.beta, as_tenant=as_tenant) == world.ids(
        PHONE, CHARGER, EARPHONES, NUTS
    )
    assert await visible(world, world.gamma, as_tenant=as_tenant) == set()


async def test_an_exclusive_product_is_withheld_from_every_other_pool_until_released(
    world: World,
) -> None:
    db = world.database
    gift = world.products[GIFT_NUTS]
    await make_pool(db, "默认池", PoolKind.DEFAULT, tenants=[world.beta])
    await make_pool(db, "食品池", PoolKind.CATEGORY, [10], tenants=[world.gamma])
    exclusive = await make_pool(db, "acme 专属", PoolKind.EXCLUSIVE, [gift], tenants=[world.acme])
    assert gift not in await visible(world, world.beta)
    assert await visible(world, world.gamma) == world.ids(NUTS)
    assert await visible(world, world.acme) == {gift}
    async with db.platform_transaction() as session:
        await distribution.remove_members(session, OPERATOR, exclusive, PoolMembers(ids=[gift]))
    assert gift in await visible(world, world.beta)
    assert await visible(world, world.gamma) == world.ids(NUTS, GIFT_NUTS)
    assert await visible(world, world.acme) == set()


async def test_a_category_pool_covers_the_whole_subtree(world: World) -> None:
    await make_pool(world.database, "手机数码", PoolKind.CATEGORY, [1], tenants=[world.gamma])
    assert await visible(world, world.gamma) == world.ids(PHONE, CHARGER, EARPHONES)


async def test_a_switched_off_pool_shows_nothing(world: World) -> None:
    pool_id = await make_pool(
        world.database, "数码池", PoolKind.CATEGORY, [2], tenants=[world.gamma]
    )
    async with world.database.platform_transaction() as session:
        await distribution.set_pool_active(session, OPERATOR, pool_id, active=False)
    assert await visible(world, world.gamma) == set()


async def test_as_the_tenant_role_another_tenants_exclusive_products_are_invisible(
    world: World,
) -> None:
    await _standard_pools(world)
    gift = world.products[GIFT_NUTS]
    async with world.database.tenant_transaction(world.beta) as session:
        # Through the function, even when asking about acme: row-level security hides
        # acme's assignments and pools from beta's role.
        as_acme = await session.execute(
            text("SELECT product_id FROM tenant_visible_products(:t)"), {"t": world.acme}
        )
        assert set(as_acme.scalars()) == set()
        # And with queries that forget the function altogether.
        listed = await session.execute(text("SELECT product_id FROM distribution_pool_products"))
        assert set(listed.scalars()) == set()
        pools = await session.execute(text("SELECT name FROM distribution_pools"))
        assert set(pools.scalars()) == {"默认池"}
        assignments = await session.execute(text("SELECT tenant_id FROM distribution_assignments"))
        assert world.acme not in set(assignments.scalars())
    async with world.database.tenant_transaction(world.gamma) as session:
        assert not await distribution.is_visible(session, world.gamma, gift)
        assert not await distribution.is_visible(session, world.acme, gift)
    async with world.database.tenant_transaction(world.acme) as session:
        assert await distribution.is_visible(session, world.acme, gift)


async def test_the_tenant_role_cannot_change_pools(world: World) -> None:
    await _standard_pools(world)
    with pytest.raises(ProgrammingError, match="permission denied for table"):
        async with world.database.tenant_transaction(world.beta) as session:
            await session.execute(
                text(
                    "INSERT INTO distribution_assignments (pool_id, tenant_id) "
                    "SELECT id, :t FROM distribution_pools"
                ),
                {"t": world.beta},
            )


async def test_the_workbench_search_shows_only_visible_products(world: World) -> None:
    await _standard_pools(world)
    query = PoolQuery(sort=SortOrder.SALES)
    for tenant, expected in (
        (world.acme, world.ids(PHONE, CHARGER, GIFT_NUTS)),
        (world.gamma, set()),
    ):
        async with world.database.tenant_transaction(tenant) as session:
            result = await search_pool_for_tenant(session, query, tenant_id=tenant)
        assert {hit.id for hit in result.hits} == expected
        assert result.total == len(expected)
    async with world.database.tenant_transaction(world.acme) as session:
        capped = await search_pool_for_tenant(session, query, tenant_id=world.acme, count_cap=1)
    assert {hit.id for hit in capped.hits} == world.ids(PHONE, CHARGER, GIFT_NUTS)


async def test_bad_pool_input_is_refused_and_nothing_written(world: World) -> None:
    db = world.database
    category_pool = await make_pool(db, "数码池", PoolKind.CATEGORY, [2])
    exclusive = await make_pool(db, "专属", PoolKind.EXCLUSIVE)
    default_pool = await make_pool(db, "默认池", PoolKind.DEFAULT)
    cases = [
        (InvalidPoolInput, lambda s: distribution.add_members(
            s, OPERATOR, category_pool, PoolMembers(ids=[3, 999_999]))),
        (InvalidPoolInput, lambda s: distribution.add_members(
            s, OPERATOR, exclusive, PoolMembers(ids=[world.products[0], 10**12]))),
        (InvalidPoolInput, lambda s: distribution.assign_pool(
            s, OPERATOR, exclusive, AssignmentCreate())),
        (InvalidPoolInput, lambda s: distribution.assign_pool(
            s, OPERATOR, exclusive, AssignmentCreate(grade_id=1, tenant_id=world.acme))),
        (InvalidPoolInput, lambda s: distribution.assign_pool(
            s, OPERATOR, exclusive, AssignmentCreate(tenant_id=10**12))),
        (DefaultPoolExists, lambda s: distribution.create_pool(
            s, OPERATOR, PoolCreate(name="另一个默认池", kind=PoolKind.DEFAULT))),
        (PoolNameTaken, lambda s: distribution.create_pool(
            s, OPERATOR, PoolCreate(name="专属", kind=PoolKind.EXCLUSIVE))),
        (WrongPoolKind, lambda s: distribution.add_members(
            s, OPERATOR, default_pool, PoolMembers(ids=[1]))),
    ]  # fmt: skip
    for error, call in cases:
        with pytest.raises(error):
            async with db.platform_transaction() as session:
                await call(session)
    async with db.platform_transaction() as session:
        counts = (
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM distribution_pools),"
                    " (SELECT count(*) FROM distribution_pool_categories),"
                    " (SELECT count(*) FROM distribution_pool_products),"
                    " (SELECT count(*) FROM distribution_assignments)"
                )
            )
        ).one()
    assert tuple(counts) == (3, 1, 0, 0)


async def test_a_pool_is_assigned_to_a_target_once(world: World) -> None:
    pool_id = await make_pool(
        world.database, "数码池", PoolKind.CATEGORY, [2], tenants=[world.acme]
    )
    with pytest.raises(AlreadyAssigned):
        async with world.database.platform_transaction() as session:
            await distribution.assign_pool(
                session, OPERATOR, pool_id, AssignmentCreate(tenant_id=world.acme)
            )
