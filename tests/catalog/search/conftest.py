"""Pool search tests insert pool rows directly (with their search documents) into a real
PostgreSQL, then search them through ``search_pool``."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from hive.catalog.search.segmentation import search_document
from hive.catalog.search.service import PoolQuery, PoolSearchResult, search_pool
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from tests.conftest import ADMIN_URL_ENV, TEMPLATE_ENV
from tests.support.databases import clone_database, database_url_for, drop_database

# A small category tree: (id, parent_id, name, level).
CATEGORIES = [
    (1, None, "手机数码", 1),
    (2, 1, "手机通讯", 2),
    (3, 2, "手机", 3),
    (4, 2, "手机配件", 3),
    (5, 1, "影音娱乐", 2),
    (6, 5, "耳机", 3),
    (10, None, "食品饮料", 1),
    (11, 10, "休闲食品", 2),
    (12, 11, "坚果炒货", 3),
]
PATHS = {3: ["手机数码", "手机通讯", "手机"], 4: ["手机数码", "手机通讯", "手机配件"],
         6: ["手机数码", "影音娱乐", "耳机"], 12: ["食品饮料", "休闲食品", "坚果炒货"]}  # fmt: skip

INSERT = text(
    "INSERT INTO products (supplier_id, supplier_sku, name, brand, category_id, image_url, "
    "images, attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, "
    "in_supplier_pool, stock, status, search_vector) VALUES (:supplier_id, :sku, :name, :brand, "
    ":category_id, :image_url, '[]', '{}', :purchase, :retail, :sales, :on_shelf, true, "
    "CAST(:stock AS jsonb), :status, to_tsvector('simple', :document)) RETURNING id"
)


@dataclass
class Item:
    """A pool product to insert; ``stock`` maps a province id to its stock state."""

    name: str
    brand: str = ""
    category_id: int | None = 3
    retail: int = 100_00
    sales: int = 0
    status: str = "active"
    on_shelf: bool = True
    stock: dict[int, str] = field(default_factory=dict)


class Pool:
    """The pool of one test database: insert items, search as the platform or a tenant."""

    def __init__(self, database: Database, supplier_id: int):
        self.database = database
        self.supplier_id = supplier_id
        self.count = 0

    async def add(self, *items: Item) -> list[int]:
        ids = []
        async with self.database.platform_transaction() as session:
            for item in items:
                self.count += 1
                result = await session.execute(INSERT, self._values(item))
                ids.append(result.scalar_one())
        return ids

    def _values(self, item: Item) -> dict[str, Any]:
        path = PATHS.get(item.category_id or 0, [])
        stock = {str(p): {"state": s, "remaining": 5} for p, s in item.stock.items()}
        return {
            "supplier_id": self.supplier_id,
            "sku": f"T{self.count:06d}",
            "name": item.name,
            "brand": item.brand,
            "category_id": item.category_id,
            "image_url": f"https://img.example/{self.count}.jpg",
            "purchase": item.retail * 8 // 10,
            "retail": item.retail,
            "sales": item.sales,
            "on_shelf": item.on_shelf,
            "stock": json.dumps(stock),
            "status": item.status,
            "document": search_document(item.name, item.brand, path),
        }

    async def search(self, query: PoolQuery, *, count_cap: int | None = None) -> PoolSearchResult:
        async with self.database.platform_transaction() as session:
            if count_cap is None:
                return await search_pool(session, query)
            return await search_pool(session, query, count_cap=count_cap)

    async def names(self, query: PoolQuery) -> list[str]:
        return [hit.name for hit in (await self.search(query)).hits]


@pytest.fixture
async def pool(database: Database) -> Pool:
    return await _prepared_pool(database)


@pytest.fixture(scope="module")
async def module_pool(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pool]:
    """A pool in a database of its own shared by one module's read-only tests (faster)."""
    admin_url = os.environ[ADMIN_URL_ENV]
    name = clone_database(admin_url, os.environ[TEMPLATE_ENV])
    url = database_url_for(admin_url, name)
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("pool-data"))
    database = Database(create_engine(url, settings, pooled=False))
    try:
        yield await _prepared_pool(database)
    finally:
        await database.dispose()
        drop_database(admin_url, name)


async def _prepared_pool(database: Database) -> Pool:
    async with database.platform_transaction() as session:
        supplier_id = (
            await session.execute(
                text(
                    "INSERT INTO suppliers (name, kind, base_url, credentials_encrypted, "
                    "rate_limits, enabled) VALUES ('search-test', 'warehouse', '', '', '{}', true) "
                    "RETURNING id"
                )
            )
        ).scalar_one()
        for category in CATEGORIES:
            await session.execute(
                text(
                    "INSERT INTO categories (id, parent_id, name, level, sort_order, active) "
                    "VALUES (:id, :parent, :name, :level, 0, true)"
                ),
                dict(zip(("id", "parent", "name", "level"), category, strict=True)),
            )
    return Pool(database, supplier_id)
