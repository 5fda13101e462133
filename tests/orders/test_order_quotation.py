"""Acceptance asks the suppliers first — area, stock, freight — with no transaction open:
freight per sub-order in the totals and the freeze, refusals naming the products, a retry of an
accepted order gets it back whatever the stock is now."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from hive.orders.quotation import quote_order
from hive.orders.schemas import OrderRequest
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area, OrderLine, StockLevel
from hive.suppliers.warehouse import service as warehouse
from hive.suppliers.warehouse.adapter import WarehouseAdapter
from tests.orders.test_orders_open_api import ORDERS
from tests.support.billing import summary
from tests.support.openapi import call, sql
from tests.support.orders import (
    STOCK_KEEPER,
    UNSERVED,
    OrderWorld,
    address,
    order_world,
    stock_product,
    warehouse_supplier,
)


@pytest.fixture
async def acme(database: Database, open_settings: Settings) -> OrderWorld:
    world = await order_world(database, open_settings)
    await stock_product(world, "TEA", 12_000, 50)  # purchase 6,000: under ¥99, freight ¥8
    await stock_product(world, "RICE", 25_000, 10)  # purchase 12,500: free freight
    return world


async def test_each_sub_order_carries_its_suppliers_freight_and_the_total_is_frozen(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    other = await warehouse_supplier(database, "第二仓")
    acme_supplier = acme.supplier_id
    acme.supplier_id = other
    await stock_product(acme, "MILK", 500, 100)  # purchase 250 × 4: freight ¥8
    acme.supplier_id = acme_supplier
    body = acme.body("PO-F", ("TEA", 1), ("MILK", 4), ("RICE", 1))
    answer = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    subs = {tuple(s["sub_order_no"] for s in order["sub_orders"])}
    assert len(order["sub_orders"]) == 2 and subs
    first, second = order["sub_orders"]
    # TEA + RICE at purchase 18,500 ≥ 9,900: free; MILK at 1,000: the flat 800.
    assert (first["items_fen"], first["freight_fen"]) == (12_000 + 25_000, 0)
    assert (second["items_fen"], second["freight_fen"]) == (2_000, 800)
    assert order["freight_fen"] == 800 and order["items_fen"] == 39_000
    assert order["total_fen"] == 39_800
    assert [s["total_fen"] for s in order["sub_orders"]] == [37_000, 2_800]
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == 39_800
    held = await sql(database, "SELECT reference, amount_fen FROM freezes ORDER BY reference")
    assert [tuple(row) for row in held] == [
        (first["sub_order_no"], 37_000),
        (second["sub_order_no"], 2_800),
    ]


async def test_out_of_stock_for_the_area_is_409_naming_the_products_and_writes_nothing(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-OOS", ("TEA", 1), ("RICE", 11))
    answer = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "out_of_stock"
    assert answer.json()["details"] == {"product_ids": [acme.products["RICE"]]}
    assert int((await sql(database, "SELECT count(*) FROM orders"))[0][0]) == 0
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == 0
    keyed = await call(gateway, acme.app, "POST", ORDERS, json=body, idempotency_key="k-oos")
    replay = await call(gateway, acme.app, "POST", ORDERS, json=body, idempotency_key="k-oos")
    assert keyed.status_code == replay.status_code == 409
    assert replay.headers.get("Idempotent-Replayed") == "true"


async def test_an_area_the_supplier_does_not_deliver_to_is_422_naming_the_products(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-TIBET", ("TEA", 1))
    body["address"] = address(UNSERVED)
    answer = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "area_not_deliverable"
    assert answer.json()["details"] == {"product_ids": [acme.products["TEA"]]}
    assert int((await sql(database, "SELECT count(*) FROM orders"))[0][0]) == 0


async def test_a_retry_of_an_accepted_order_gets_it_back_even_once_stock_ran_out(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-LAST", ("RICE", 10))
    first = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert first.status_code == 201, first.text
    async with database.platform_transaction() as session:
        await warehouse.adjust_stock(
            session,
            STOCK_KEEPER,
            acme.supplier_id,
            warehouse_code="SH",
            sku="RICE",
            batch_no="B-RICE",
            delta=-10,
            reason="盘点",
            now=datetime.now(UTC),
        )
    again = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert (again.status_code, again.json()) == (200, first.json())
    fresh = await call(gateway, acme.app, "POST", ORDERS, json=acme.body("PO-NEXT", ("RICE", 1)))
    assert fresh.status_code == 409 and fresh.json()["code"] == "out_of_stock"


class _Watching:
    """The warehouse adapter, noting at each call how many of the test database's other
    connections sit inside a transaction (one call at a time, so the adapter's own short
    transactions are never what it sees)."""

    def __init__(self, database: Database, inner: WarehouseAdapter):
        self.database, self.inner = database, inner
        self.seen: list[int] = []
        self.one_at_a_time = asyncio.Lock()

    async def _look(self) -> None:
        async with self.database.engine.connect() as connection:
            found = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            )
        self.seen.append(int(found or 0))

    async def area_limits(self, skus: Sequence[str], area: Area) -> dict[str, bool]:
        async with self.one_at_a_time:
            await self._look()
            return await self.inner.area_limits(skus, area)

    async def stock(self, items: Sequence[tuple[str, int]], area: Area) -> list[StockLevel]:
        async with self.one_at_a_time:
            await self._look()
            return await self.inner.stock(items, area)

    async def freight(self, lines: Sequence[OrderLine], area: Area) -> int:
        async with self.one_at_a_time:
            await self._look()
            return await self.inner.freight(lines, area)


async def test_suppliers_are_asked_with_no_transaction_open(
    acme: OrderWorld, database: Database
) -> None:
    watching = _Watching(database, WarehouseAdapter(database, acme.supplier_id))

    async def adapter_for(supplier_id: int) -> SupplierAdapter:
        assert supplier_id == acme.supplier_id
        return watching  # type: ignore[return-value]

    request = OrderRequest.model_validate(acme.body("PO-Q", ("TEA", 1), ("RICE", 1)))
    quote = await quote_order(database, adapter_for, acme.app.tenant_id, request)
    assert dict(quote.freight_by_supplier) == {acme.supplier_id: 0}
    assert watching.seen == [0, 0, 0]
