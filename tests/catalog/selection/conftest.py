"""Selection tests run against the VOP simulator over real HTTP with a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from hive.apps.hcm import create_hcm_app
from hive.catalog.selection.upstream import UpstreamSearch
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from hive.suppliers.types import Area, SearchQuery
from hive.suppliers.vop.adapter import VopAdapter
from tests.support.factories import make_tenant, make_user
from tests.support.servers import running_server
from tests.support.vop import AdapterKit, Simulator, register_vop

AREAS = [Area(1, 72, 2799, 0)]


@dataclass
class World:
    database: Database
    simulator: Simulator
    kit: AdapterKit
    supplier_id: int
    adapter: VopAdapter

    async def orderable_skus(self, keyword: str, count: int) -> list[str]:
        hits = (await self.adapter.search(SearchQuery(keyword=keyword, page_size=60))).hits
        quotes = await self.adapter.prices([h.sku for h in hits])
        shelf = await self.adapter.shelf_states([q.sku for q in quotes])
        return [q.sku for q in quotes if shelf.get(q.sku)][:count]

    async def pooled_skus(self) -> set[str]:
        """SKUs of this supplier in the pool (not removed), as the database has them."""
        async with self.database.platform_transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT supplier_sku FROM products "
                    "WHERE supplier_id = :s AND status <> 'removed'"
                ),
                {"s": self.supplier_id},
            )
            return {row[0] for row in rows}

    def upstream(self, *, timeout_s: float = 5.0) -> UpstreamSearch:
        return UpstreamSearch(self.database, timeout_s=timeout_s, cache_ttl_s=60)


@pytest.fixture
async def world(database: Database, simulator: Simulator, kit: AdapterKit) -> World:
    supplier_id = await register_vop(database, simulator)
    return World(database, simulator, kit, supplier_id, await kit.adapter(supplier_id))


@pytest.fixture
async def hcm(world: World, settings: Settings) -> AsyncIterator[str]:
    await make_user(world.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    tenant = await make_tenant(world.database, "acme")
    await make_user(world.database, "buyer", "buyer-pass-1", tenant_id=tenant)
    app_settings = world.kit.settings.model_copy(update={"upstream_select_all_limit": 30})
    with running_server(create_hcm_app(app_settings, settings.database_url)) as url:
        yield url
