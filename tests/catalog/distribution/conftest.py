"""A small pool with categories, three tenants on three grades, and helpers to build pools
through the real distribution service."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from hive.platform.actor import Actor
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool, _prepared_pool
from tests.support.factories import make_grade, make_tenant

OPERATOR = Actor(user_id=None, username="operator", role=Role.OPERATOR.value)

# Categories (tests.catalog.search.conftest): 3 手机 and 4 手机配件 under 2 手机通讯 under
# 1 手机数码; 6 耳机 under 5 影音娱乐 under 1; 12 坚果炒货 under 11 under 10 食品饮料.
ITEMS = [
    Item("华为 智能手机", "华为", 3, 4999_00, stock={1: "in_stock"}),
    Item("手机充电器", "华为", 4, 199_00, stock={1: "in_stock"}),
    Item("无线耳机", "索尼", 6, 999_00, stock={1: "in_stock"}),
    Item("每日坚果", "三只松鼠", 12, 59_00, stock={1: "in_stock"}),
    Item("定制礼盒坚果", "三只松鼠", 12, 299_00, stock={1: "in_stock"}),
]
PHONE, CHARGER, EARPHONES, NUTS, GIFT_NUTS = range(5)


@dataclass
class World:
    database: Database
    pool: Pool
    products: list[int]
    acme: int  # grade "gold", tenant-specific exclusive pool
    beta: int  # grade "silver"
    gamma: int  # grade "plain": nothing assigned

    def ids(self, *indexes: int) -> set[int]:
        return {self.products[i] for i in indexes}


@pytest.fixture
async def world(database: Database) -> World:
    pool = await _prepared_pool(database)
    products = await pool.add(*ITEMS)
    gold, silver, plain = [await make_grade(database, n) for n in ("gold", "silver", "plain")]
    return World(
        database,
        pool,
        products,
        acme=await make_tenant(database, "acme", gold),
        beta=await make_tenant(database, "beta", silver),
        gamma=await make_tenant(database, "gamma", plain),
    )


async def grade_of(database: Database, tenant_id: int) -> int:
    async with database.platform_transaction() as session:
        grade = await session.scalar(
            text("SELECT grade_id FROM tenants WHERE id = :id"), {"id": tenant_id}
        )
    assert grade is not None
    return int(grade)


async def make_pool(
    database: Database,
    name: str,
    kind: PoolKind,
    members: list[int] | None = None,
    *,
    grades: tuple[int, ...] | list[int] = (),
    tenants: tuple[int, ...] | list[int] = (),
) -> int:
    async with database.platform_transaction() as session:
        created = await distribution.create_pool(
            session, OPERATOR, PoolCreate(name=name, kind=kind)
        )
        if members:
            await distribution.add_members(session, OPERATOR, created.id, PoolMembers(ids=members))
        for grade in grades:
            await distribution.assign_pool(
                session, OPERATOR, created.id, AssignmentCreate(grade_id=grade)
            )
        for tenant in tenants:
            await distribution.assign_pool(
                session, OPERATOR, created.id, AssignmentCreate(tenant_id=tenant)
            )
        return created.id


async def visible(world: World, tenant_id: int, *, as_tenant: bool = True) -> set[int]:
    transaction = (
        world.database.tenant_transaction(tenant_id)
        if as_tenant
        else world.database.platform_transaction()
    )
    async with transaction as session:
        return await distribution.visible_product_ids(session, tenant_id, world.products)
