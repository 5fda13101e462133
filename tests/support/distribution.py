"""Giving tenants distribution pools through the real service (tests of pages and search that
need a tenant to see products)."""

from __future__ import annotations

from collections.abc import Iterable

from hive.catalog.distribution import repository, service
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate
from hive.platform.actor import Actor
from hive.platform.db import Database
from hive.platform.permissions import Role

OPERATOR = Actor(user_id=None, username="test-operator", role=Role.OPERATOR.value)


async def share_default_pool(database: Database, tenant_ids: Iterable[int]) -> int:
    """The default pool (every product), created once, assigned to each tenant; its id."""
    async with database.platform_transaction() as session:
        pool = await repository.default_pool(session)
        if pool is None:
            pool = await service.create_pool(
                session, OPERATOR, PoolCreate(name="默认池", kind=PoolKind.DEFAULT)
            )
        for tenant_id in tenant_ids:
            target = AssignmentCreate(tenant_id=tenant_id)
            await service.assign_pool(session, OPERATOR, pool.id, target)
        return pool.id
