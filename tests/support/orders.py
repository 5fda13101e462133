"""Order test helpers: a tenant that can order from the self-run warehouse over the Open API.

Everything is built through the real services (the warehouse's catalogue and batches, the
distribution pool, the library, a top-up); the catalogue rows the pool holds are inserted
directly (the selection rules that would copy them are not what these tests are about)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hive.catalog.library import service as library
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from hive.suppliers.models import Supplier
from hive.suppliers.warehouse import service as warehouse
from hive.suppliers.warehouse.service import BatchReceipt, ProductInput
from tests.support.billing import fund
from tests.support.factories import make_grade, make_tenant
from tests.support.openapi import IssuedApp, make_app, make_visible, sql

STOCK_KEEPER = Actor(user_id=None, username="stock-keeper", role=Role.PLATFORM_ADMIN.value)
SHANGHAI = 2  # the province the test warehouse serves
UNSERVED = 26  # a province no warehouse serves


def address(province_id: int = SHANGHAI) -> dict[str, Any]:
    return {
        "province_id": province_id,
        "city_id": 2813,
        "county_id": 51976,
        "detail": "人民路 1 号",
        "receiver": "张三",
        "mobile": "13812345678",
    }


@dataclass
class OrderWorld:
    """A funded tenant with an app, and warehouse products in its library."""

    database: Database
    app: IssuedApp
    supplier_id: int
    grade_id: int
    products: dict[str, int] = field(default_factory=dict)  # sku -> product id
    prices: dict[int, int] = field(default_factory=dict)  # product id -> the tenant's price

    def body(self, order_no: str, *lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
        """An order body for ``(sku, quantity)`` lines at the tenant's current prices."""
        items = [
            {
                "product_id": self.products[sku],
                "quantity": quantity,
                "unit_price": self.prices[self.products[sku]],
            }
            for sku, quantity in lines
        ]
        return {"order_no": order_no, "items": items, "address": address()} | extra


async def warehouse_supplier(database: Database, name: str = "自营仓") -> int:
    async with database.platform_transaction() as session:
        supplier = Supplier(name=name, kind="warehouse")
        session.add(supplier)
        await session.flush()
        await warehouse.create_warehouse(
            session, STOCK_KEEPER, supplier.id, code="SH", name="上海仓", province_ids=[SHANGHAI]
        )
        return supplier.id


async def stock_product(
    world: OrderWorld, sku: str, price_fen: int, units: int, *, purchase_fen: int | None = None
) -> int:
    """A warehouse product with ``units`` on stock in Shanghai, in the pool at ``price_fen``
    for the world's grade, visible to the tenant and in its library."""
    database, purchase = world.database, purchase_fen or price_fen // 2
    async with database.platform_transaction() as session:
        product = ProductInput(sku, f"商品 {sku}", "品牌", 1, purchase, price_fen * 2)
        await warehouse.create_product(session, STOCK_KEEPER, world.supplier_id, product)
        if units:
            expires = datetime.now(UTC).date() + timedelta(days=90)
            receipt = BatchReceipt("SH", sku, f"B-{sku}", units, purchase, expires)
            await warehouse.receive_batch(
                session, STOCK_KEEPER, world.supplier_id, receipt, datetime.now(UTC)
            )
    rows = await sql(
        database,
        "INSERT INTO products (supplier_id, supplier_sku, name, brand, category_id, image_url, "
        "images, attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, "
        "in_supplier_pool, stock, status) VALUES (:s, :sku, :name, '品牌', NULL, '', '[]', "
        "'{}', :p, :r, 0, true, true, CAST(:stock AS jsonb), 'active') RETURNING id",
        s=world.supplier_id,
        sku=sku,
        name=f"商品 {sku}",
        p=purchase,
        r=price_fen * 2,
        stock=json.dumps({str(SHANGHAI): {"state": "in_stock", "remaining": units}}),
    )
    product_id = int(rows[0][0])
    await sql(
        database,
        "INSERT INTO product_prices (product_id, grade_id, price_fen, floor_fen, floor_hit, "
        "ceiling_hit, below_cost, no_fit) VALUES (:p, :g, :price, :floor, false, false, false, "
        "false)",
        p=product_id,
        g=world.grade_id,
        price=price_fen,
        floor=purchase,
    )
    await make_visible(database, world.app.tenant_id, [product_id], f"池 {sku}")
    tenant = world.app.tenant_id
    buyer = Actor(user_id=None, username="buyer", role=Role.TENANT_USER.value, tenant_id=tenant)
    async with database.tenant_transaction(tenant) as session:
        await library.add_products(session, buyer, [product_id])
    world.products[sku], world.prices[product_id] = product_id, price_fen
    return product_id


async def order_world(
    database: Database,
    settings: Settings,
    code: str = "acme",
    *,
    balance_fen: int = 1_000_000,
    supplier_id: int | None = None,
) -> OrderWorld:
    """Tenant ``code`` (an app with every scope, ``balance_fen`` on its account) and a
    warehouse supplier (a new one unless given) with nothing stocked yet (add products with
    :func:`stock_product`)."""
    grade_id = await make_grade(database, f"{code} 等级")
    tenant = await make_tenant(database, code, grade_id)
    app = await make_app(database, settings, tenant)
    await fund(database, tenant, balance_fen)
    supplier = supplier_id or await warehouse_supplier(database)
    return OrderWorld(database, app, supplier, grade_id)
