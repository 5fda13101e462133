"""A warehouse supplier with two warehouses and three products, built through the services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.suppliers.models import Supplier
from hive.suppliers.types import Area, OrderLine, Recipient, UpstreamOrderRequest
from hive.suppliers.warehouse import service
from hive.suppliers.warehouse.adapter import WarehouseAdapter
from hive.suppliers.warehouse.service import BatchReceipt, ProductInput

OPERATOR = Actor(user_id=None, username="stock-keeper", role="platform_admin")
SHANGHAI = Area(2, 2813, 51976)
BEIJING = Area(1, 72, 2799)
TIBET = Area(26, 2951, 3907)
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, 2026-06-01
TODAY = date(2026, 6, 1)

MILK = ProductInput("MILK-1", "光明 纯牛奶 250ml", "光明", 100, 350, 450)
RICE = ProductInput("RICE-5", "五常大米 5kg", "五常", 200, 5_000, 6_990)
TEA = ProductInput(
    "TEA-1", "西湖龙井 100g", "狮峰", 300, 12_000, 15_800, image_url="https://img/tea.jpg"
)


@dataclass
class Shop:
    database: Database
    supplier_id: int
    adapter: WarehouseAdapter

    async def receive(
        self, warehouse: str, sku: str, batch_no: str, quantity: int, expires_in_days: int = 90
    ) -> int:
        receipt = BatchReceipt(
            warehouse, sku, batch_no, quantity, 100, TODAY + timedelta(days=expires_in_days)
        )
        async with self.database.platform_transaction() as session:
            return await service.receive_batch(session, OPERATOR, self.supplier_id, receipt, NOW)

    async def scalar(self, sql: str, **params: object) -> object:
        async with self.database.platform_transaction() as session:
            return await session.scalar(text(sql), params)

    async def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        async with self.database.platform_transaction() as session:
            return [tuple(r) for r in await session.execute(text(sql), params)]


def order(
    order_no: str, *lines: tuple[str, int, int], area: Area = SHANGHAI, direct: bool = False
) -> UpstreamOrderRequest:
    return UpstreamOrderRequest(
        order_no=order_no,
        lines=tuple(OrderLine(sku, qty, price) for sku, qty, price in lines),
        recipient=Recipient("张三", "13800000000", "人民路 1 号", area),
        place_directly=direct,
    )


async def build_shop(database: Database) -> Shop:
    async with database.platform_transaction() as session:
        supplier = Supplier(name="自营仓", kind="warehouse")
        session.add(supplier)
        await session.flush()
        supplier_id = supplier.id
        await service.create_warehouse(
            session, OPERATOR, supplier_id, code="SH", name="上海仓", province_ids=[2, 12]
        )
        await service.create_warehouse(
            session, OPERATOR, supplier_id, code="BJ", name="北京仓", province_ids=[1]
        )
        for product in (MILK, RICE, TEA):
            await service.create_product(session, OPERATOR, supplier_id, product)
    adapter = WarehouseAdapter(database, supplier_id, clock=lambda: NOW)
    return Shop(database, supplier_id, adapter)


@pytest.fixture
async def shop(database: Database) -> Shop:
    return await build_shop(database)


# Connections of ``pooled_database``; parallel tests run at most this many attempts at once.
POOL_SIZE = 20


@pytest.fixture
async def pooled_database(settings: Settings) -> AsyncIterator[Database]:
    pooled = settings.model_copy(update={"db_pool_size": POOL_SIZE, "db_max_overflow": 0})
    db = Database(create_engine(settings.database_url, pooled))
    try:
        yield db
    finally:
        await db.dispose()


async def in_parallel(attempts: int, attempt: Callable[[int], Awaitable[bool]]) -> list[bool]:
    """Run ``attempt(0..attempts-1)`` concurrently, ``POOL_SIZE`` in flight at once.

    All of them would otherwise queue for the pool's connections, and on a loaded machine the
    last ones give up after the pool's checkout timeout, while the stock row lock serialises
    the ones holding a connection. Bounded, every attempt gets a connection at once and
    ``POOL_SIZE`` transactions still contend for the same rows; the test asserts that they
    really did run together (the peak number in flight)."""
    gate = asyncio.Semaphore(POOL_SIZE)
    in_flight, peak = 0, 0

    async def bounded(n: int) -> bool:
        nonlocal in_flight, peak
        async with gate:
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await attempt(n)
            finally:
                in_flight -= 1

    results = await asyncio.gather(*(bounded(n) for n in range(attempts)))
    assert peak == min(attempts, POOL_SIZE), f"only {peak} attempts ran at once"
    return list(results)
