"""The tenant's product library: adding from the visible pools only, its own retail price
validated against its cost, removing; and availability following pools and products, with a
tenant event for each change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.freshness.apply import apply_bulk
from hive.catalog.library import service as library
from hive.catalog.library.errors import InvalidLibraryInput, LibraryItemNotFound
from hive.catalog.pool import repository as pool_repository
from hive.catalog.pool import service as pool
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role
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
)
from tests.support.events import events_of


def user_of(tenant_id: int) -> Actor:
    return Actor(user_id=None, username="buyer", role=Role.TENANT_USER.value, tenant_id=tenant_id)


async def _pools(world: World) -> dict[str, int]:
    db = world.database
    gold = await grade_of(db, world.acme)
    return {
        "digital": await make_pool(db, "数码池", PoolKind.CATEGORY, [2], grades=[gold]),
        "exclusive": await make_pool(
            db, "acme 专属", PoolKind.EXCLUSIVE, [world.products[GIFT_NUTS]], tenants=[world.acme]
        ),
        "beta": await make_pool(db, "beta 专属", PoolKind.EXCLUSIVE, [world.products[NUTS]],
                                tenants=[world.beta]),
    }  # fmt: skip


async def items(world: World, tenant_id: int) -> dict[int, tuple[int, str, str | None]]:
    async with world.database.tenant_transaction(tenant_id) as session:
        page = await library.library_page(session, tenant_id)
    return {
        row.product_id: (row.retail_price_fen, row.status, row.unavailable_reason)
        for row in page.items
    }


async def events(world: World, tenant_id: int, *, count: int) -> list[tuple[str, int, str | None]]:
    found = await events_of(world.database, tenant_id, count=count)
    return [(e.type, e.entity_id, e.payload.get("reason")) for e in found]


async def test_a_tenant_adds_visible_products_at_the_market_price(world: World) -> None:
    await _pools(world)
    phone, gift = world.products[PHONE], world.products[GIFT_NUTS]
    async with world.database.tenant_transaction(world.acme) as session:
        assert await library.add_products(session, user_of(world.acme), [phone, gift]) == 2
        assert await library.add_products(session, user_of(world.acme), [phone]) == 0
    assert await items(world, world.acme) == {
        phone: (4999_00, "available", None),
        gift: (299_00, "available", None),
    }


async def test_an_invisible_product_refuses_the_whole_request(world: World) -> None:
    await _pools(world)
    phone, beta_nuts = world.products[PHONE], world.products[NUTS]
    for ids in ([phone, beta_nuts], [phone, 10**15], [world.products[EARPHONES]]):
        with pytest.raises(InvalidLibraryInput) as refused:
            async with world.database.tenant_transaction(world.acme) as session:
                await library.add_products(session, user_of(world.acme), ids)
        assert refused.value.problems[0].code == "not_visible"
    for ids in ([], [0], list(range(1, 102))):
        with pytest.raises(InvalidLibraryInput):
            async with world.database.tenant_transaction(world.acme) as session:
                await library.add_products(session, user_of(world.acme), ids)
    assert await items(world, world.acme) == {}


async def test_a_whole_category_adds_its_visible_active_products(world: World) -> None:
    await _pools(world)
    async with world.database.platform_transaction() as session:
        await pool.change_status(session, OPERATOR, world.products[CHARGER], pool.PAUSED)
    async with world.database.tenant_transaction(world.acme) as session:
        # 手机数码 (1): the phone and charger are visible (数码池), the charger is paused, the
        # earphones are under 1 but in no pool of acme.
        assert await library.add_category(session, user_of(world.acme), 1) == 1
    assert set(await items(world, world.acme)) == world.ids(PHONE)
    with pytest.raises(InvalidLibraryInput) as refused:
        async with world.database.tenant_transaction(world.acme) as session:
            await library.add_category(session, user_of(world.acme), 999_999)
    assert refused.value.problems[0].code == "not_found"


async def test_the_own_retail_price_is_never_below_the_tenants_cost(world: World) -> None:
    await _pools(world)
    phone = world.products[PHONE]
    buyer = user_of(world.acme)
    async with world.database.tenant_transaction(world.acme) as session:
        await library.add_products(session, buyer, [phone])
        await library.set_retail_price(session, buyer, phone, 5200_00)
    for price, code in ((4998_99, "below_cost"), (-1, "below_cost"), (10**15, "too_large")):
        with pytest.raises(InvalidLibraryInput) as refused:
            async with world.database.tenant_transaction(world.acme) as session:
                await library.set_retail_price(session, buyer, phone, price)
        assert refused.value.problems[0].code == code
    with pytest.raises(LibraryItemNotFound):
        async with world.database.tenant_transaction(world.acme) as session:
            await library.set_retail_price(session, buyer, world.products[GIFT_NUTS], 500_00)
    async with world.database.tenant_transaction(world.acme) as session:
        await library.set_retail_price(session, buyer, phone, 4999_00)  # exactly the cost
    assert (await items(world, world.acme))[phone][0] == 4999_00


async def test_removing_takes_items_out_and_staff_may_not_change_a_library(world: World) -> None:
    await _pools(world)
    phone = world.products[PHONE]
    async with world.database.tenant_transaction(world.acme) as session:
        await library.add_products(session, user_of(world.acme), [phone])
        assert await library.remove_products(session, user_of(world.acme), [phone]) == 1
    assert await items(world, world.acme) == {}
    with pytest.raises(PermissionDenied):
        async with world.database.platform_transaction() as session:
            await library.add_products(session, OPERATOR, [phone])


async def test_an_item_leaving_the_tenants_pools_turns_unavailable_and_back(world: World) -> None:
    pools = await _pools(world)
    phone, gift = world.products[PHONE], world.products[GIFT_NUTS]
    async with world.database.tenant_transaction(world.acme) as session:
        await library.add_products(session, user_of(world.acme), [phone, gift])
    async with world.database.platform_transaction() as session:
        detail = await distribution.pool_detail(session, pools["digital"])
        [assignment] = detail.assignments
        await distribution.unassign_pool(session, OPERATOR, pools["digital"], assignment.id)
    assert await items(world, world.acme) == {
        phone: (4999_00, "unavailable", "not_in_pools"),
        gift: (299_00, "available", None),
    }
    async with world.database.platform_transaction() as session:
        await distribution.set_pool_active(session, OPERATOR, pools["exclusive"], active=False)
    assert (await items(world, world.acme))[gift][1:] == ("unavailable", "not_in_pools")
    async with world.database.platform_transaction() as session:
        await distribution.set_pool_active(session, OPERATOR, pools["exclusive"], active=True)
    assert await events(world, world.acme, count=3) == [
        ("library.item_unavailable", phone, "not_in_pools"),
        ("library.item_unavailable", gift, "not_in_pools"),
        ("library.item_available", gift, None),
    ]
    assert await events(world, world.beta, count=0) == []


async def test_withdrawn_off_shelf_and_out_of_stock_products_turn_unavailable(
    world: World,
) -> None:
    await _pools(world)
    phone, charger = world.products[PHONE], world.products[CHARGER]
    async with world.database.tenant_transaction(world.acme) as session:
        await library.add_products(session, user_of(world.acme), [phone, charger])
    async with world.database.platform_transaction() as session:
        await pool.change_status(session, OPERATOR, phone, pool.PAUSED)
        rows = await session.execute(
            text("SELECT id, supplier_sku FROM products WHERE id = ANY(:ids)"),
            {"ids": [phone, charger]},
        )
        skus = {row.id: row.supplier_sku for row in rows}
        await apply_bulk(
            session,
            world.pool.supplier_id,
            {skus[charger]: {"stock": {"1": {"state": "out_of_stock", "remaining": 0}}}},
            source="feed",
            as_of=datetime.now(UTC),
        )
    assert await items(world, world.acme) == {
        phone: (4999_00, "unavailable", "withdrawn"),
        charger: (199_00, "unavailable", "out_of_stock"),
    }
    async with world.database.platform_transaction() as session:
        await apply_bulk(
            session,
            world.pool.supplier_id,
            {skus[charger]: {"on_shelf": False}},
            source="feed",
            as_of=datetime.now(UTC),
        )
    assert (await items(world, world.acme))[charger][2] == "off_shelf"
    async with world.database.platform_transaction() as session:
        await pool.change_status(session, OPERATOR, phone, pool.ACTIVE)
        await apply_bulk(
            session,
            world.pool.supplier_id,
            {skus[charger]: {"on_shelf": True, "stock": {"1": {"state": "in_stock"}}}},
            source="feed",
            as_of=datetime.now(UTC),
        )
    assert {s for _, s, _ in (await items(world, world.acme)).values()} == {"available"}
    assert [(t, r) for t, _, r in await events(world, world.acme, count=5)] == [
        ("library.item_unavailable", "withdrawn"),
        ("library.item_unavailable", "out_of_stock"),
        ("library.item_unavailable", "off_shelf"),
        ("library.item_available", None),
        ("library.item_available", None),
    ]


async def test_a_tenant_never_sees_another_tenants_library(world: World) -> None:
    await _pools(world)
    async with world.database.tenant_transaction(world.beta) as session:
        await library.add_products(session, user_of(world.beta), [world.products[NUTS]])
    assert await items(world, world.acme) == {}
    async with world.database.tenant_transaction(world.acme) as session:
        rows = await session.execute(text("SELECT tenant_id FROM library_items"))
        assert set(rows.scalars()) == set()
        page = await library.library_page(session, world.beta)
    assert page.total == 0


async def test_a_product_moved_out_of_the_pools_categories_turns_unavailable(
    world: World,
) -> None:
    await _pools(world)
    phone = world.products[PHONE]
    async with world.database.tenant_transaction(world.acme) as session:
        await library.add_products(session, user_of(world.acme), [phone])
    async with world.database.platform_transaction() as session:
        product = await pool_repository.get_product(session, phone, lock=True)
        assert product is not None
        # 耳机 (6) is under 影音娱乐, outside acme's 手机通讯 pool.
        await pool.apply_changes(session, product, {"category_id": 6}, source="feed")
    assert (await items(world, world.acme))[phone][1:] == ("unavailable", "not_in_pools")
