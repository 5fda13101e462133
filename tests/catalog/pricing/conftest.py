"""Pricing tests: a small catalog (a 3-level category tree, products inserted directly), grades
and tenants made through the customers service, on a real PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from hive.catalog.freshness.apply import apply_bulk
from hive.customers import service as customers
from hive.customers.schemas import GradeCreate
from hive.platform.db import Database
from tests.support.factories import ADMIN, make_tenant

# (id, parent, name, level): 家电 > 厨房电器 > 电饭煲; 数码 > 手机 > 智能手机
CATEGORIES = [
    (1, None, "家电", 1),
    (2, 1, "厨房电器", 2),
    (3, 2, "电饭煲", 3),
    (4, None, "数码", 1),
    (5, 4, "手机", 2),
    (6, 5, "智能手机", 3),
]


@dataclass
class Shop:
    database: Database
    supplier_id: int
    skus: itertools.count[int]

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.database.platform_transaction() as session:
            result = await session.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    async def product(
        self, purchase_fen: int, retail_fen: int, *, category_id: int | None = 3, brand: str = ""
    ) -> int:
        """A pool product (not yet priced: the reprice is the code under test)."""
        rows = await self.sql(
            "INSERT INTO products (supplier_id, supplier_sku, name, brand, category_id, image_url, "
            "images, attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, "
            "in_supplier_pool, stock, status) VALUES (:s, :sku, :name, :brand, :c, '', '[]', "
            "'{}', :p, :r, 0, true, true, '{}', 'active') RETURNING id",
            s=self.supplier_id,
            sku=f"sku-{next(self.skus)}",
            name="测试商品",
            brand=brand,
            c=category_id,
            p=purchase_fen,
            r=retail_fen,
        )
        return int(rows[0][0])

    async def grade(self, name: str, coefficient: str) -> int:
        async with self.database.platform_transaction() as session:
            data = GradeCreate(name=name, price_coefficient=Decimal(coefficient))
            return (await customers.create_grade(session, ADMIN, data)).id

    async def tenant(self, code: str, grade_id: int) -> int:
        return await make_tenant(self.database, code, grade_id)

    async def price(self, product_id: int, grade_id: int) -> int | None:
        rows = await self.sql(
            "SELECT price_fen FROM product_prices WHERE product_id = :p AND grade_id = :g",
            p=product_id,
            g=grade_id,
        )
        return int(rows[0][0]) if rows else None

    async def supplier_sku(self, product_id: int) -> str:
        rows = await self.sql("SELECT supplier_sku FROM products WHERE id = :p", p=product_id)
        return str(rows[0][0])

    async def supplier_changes(self, product_id: int, source: str, **changes: int) -> None:
        """The supplier's new prices of a product (``purchase_price_fen``, ``retail_price_fen``)
        applied as ``source`` (feed, refresh, calibration) and committed."""
        sku = await self.supplier_sku(product_id)
        async with self.database.platform_transaction() as session:
            await apply_bulk(
                session, self.supplier_id, {sku: changes}, source=source, as_of=datetime.now(UTC)
            )


@pytest.fixture
async def shop(database: Database) -> Shop:
    shop = Shop(database, 0, itertools.count(1))
    rows = await shop.sql(
        "INSERT INTO suppliers (name, kind, base_url, credentials_encrypted, rate_limits, "
        "enabled) VALUES ('pricing-test', 'warehouse', '', '', '{}', true) RETURNING id"
    )
    shop.supplier_id = int(rows[0][0])
    for category in CATEGORIES:
        await shop.sql(
            "INSERT INTO categories (id, parent_id, name, level, sort_order, active) "
            "VALUES (:i, :p, :n, :l, 0, true)",
            i=category[0],
            p=category[1],
            n=category[2],
            l=category[3],
        )
    return shop
