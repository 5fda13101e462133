"""Accepting an order on real PostgreSQL: split by supplier with a freeze per sub-order,
idempotent per order number (also 20 times at once), refusals that write nothing, the receiver
stored encrypted and masked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from hive.billing.errors import InsufficientFunds
from hive.catalog.distribution.models import PoolKind
from hive.catalog.library import service as library
from hive.orders import repository
from hive.orders.acceptance import Accepted, accept_order
from hive.orders.errors import OrderNumberTaken, PriceChanged, ProductsNotOrderable
from hive.orders.personal import decrypt_receiver
from hive.orders.schemas import OrderRequest
from hive.platform.actor import Actor
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import SupplierKind
from tests.catalog.distribution.conftest import (
    CHARGER,
    EARPHONES,
    PHONE,
    World,
    grade_of,
    make_pool,
    world,
)
from tests.support.billing import fund, ledger_report, summary
from tests.support.factories import ADMIN

__all__ = ["world"]
SECRETS = SecretBox("orders-test-secret-" + "x" * 24)


def buyer(tenant_id: int) -> Actor:
    return Actor(user_id=None, username="buyer", role=Role.TENANT_USER.value, tenant_id=tenant_id)


@dataclass
class Shop:
    world: World
    tenant: int
    prices: dict[int, int]  # product id -> the tenant's price (fen)
    phone: int
    charger: int
    earphones: int


@pytest.fixture
async def shop(world: World) -> Shop:
    """acme holds the phone, the charger and the earphones; the earphones come from a second
    supplier; acme has 100,000 yuan."""
    db, acme = world.database, world.acme
    phone, charger, ears = (world.products[i] for i in (PHONE, CHARGER, EARPHONES))
    await make_pool(db, "数码池", PoolKind.CATEGORY, [1], grades=[await grade_of(db, acme)])
    async with db.platform_transaction() as session:
        data = SupplierCreate(name="第二供应商", kind=SupplierKind.WAREHOUSE)
        other = await suppliers.create_supplier(session, ADMIN, data, SecretBox("k" * 32))
        await session.execute(
            text("UPDATE products SET supplier_id = :s WHERE id = :p"), {"s": other.id, "p": ears}
        )
    async with db.tenant_transaction(acme) as session:
        await library.add_products(session, buyer(acme), [phone, charger, ears])
    async with db.platform_transaction() as session:
        found = await library.orderable(session, acme, [phone, charger, ears])
    await fund(db, acme, 100_000_00)
    prices = {pid: item.price_fen for pid, item in found.items()}
    return Shop(world, acme, prices, phone, charger, ears)


def request(shop: Shop, order_no: str = "PO-1001", **changes: Any) -> OrderRequest:
    body: dict[str, Any] = {
        "order_no": order_no,
        "items": [
            {"product_id": shop.phone, "quantity": 2, "unit_price": shop.prices[shop.phone]},
            {
                "product_id": shop.earphones,
                "quantity": 1,
                "unit_price": shop.prices[shop.earphones],
            },
            {"product_id": shop.charger, "quantity": 3, "unit_price": shop.prices[shop.charger]},
        ],
        "address": {
            "province_id": 1,
            "city_id": 72,
            "county_id": 2819,
            "detail": "建国路 88 号 3 单元 502",
            "receiver": "张三",
            "mobile": "13800000000",
        },
        "remark": "工作日送货",
    }
    return OrderRequest.model_validate(body | changes)


async def place(shop: Shop, order: OrderRequest) -> Accepted:
    async with shop.world.database.platform_transaction() as session:
        return await accept_order(session, buyer(shop.tenant), shop.tenant, order, SECRETS)


async def _count(database: Database, table: str) -> int:
    async with database.platform_transaction() as session:
        return int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


async def test_an_order_is_split_by_supplier_and_each_part_frozen(shop: Shop) -> None:
    accepted = await place(shop, request(shop))
    db, order = shop.world.database, accepted.order
    expected = (
        2 * shop.prices[shop.phone] + shop.prices[shop.earphones] + 3 * shop.prices[shop.charger]
    )
    assert accepted.created and order.status == "accepted" and order.total_fen == expected
    async with db.platform_transaction() as session:
        subs = await repository.sub_orders_of(session, order.id)
        items = await repository.items_of(session, order.id)
        events = await repository.events_of(session, order.id)
    assert [s.sub_order_no for s in subs] == [f"HV{order.id:010d}-01", f"HV{order.id:010d}-02"]
    assert [[i.line_no for i in items if i.sub_order_id == s.id] for s in subs] == [[1, 3], [2]]
    assert sum(s.total_fen for s in subs) == expected
    assert [(e.event, e.to_status, e.source) for e in events] == [
        ("accepted", "accepted", "tenant")
    ]
    after = await summary(db, shop.tenant)
    assert (after.available_fen, after.frozen_fen) == (100_000_00 - expected, expected)
    async with db.platform_transaction() as session:
        held = (await session.execute(text("SELECT reference, amount_fen FROM freezes"))).all()
    assert sorted(held) == sorted((s.sub_order_no, s.total_fen) for s in subs)
    assert (await ledger_report(db)).in_balance


async def test_the_receiver_is_encrypted_and_masked(shop: Shop) -> None:
    order = (await place(shop, request(shop))).order
    assert (order.receiver_name_masked, order.receiver_mobile_masked) == ("张*", "138****0000")
    async with shop.world.database.platform_transaction() as session:
        stored = await session.scalar(text("SELECT receiver_cipher FROM orders"))
    assert b"13800000000" not in stored and "张三".encode() not in stored
    assert decrypt_receiver(stored, SECRETS).mobile == "13800000000"


async def test_the_same_order_again_returns_the_first_and_another_body_conflicts(
    shop: Shop,
) -> None:
    first = await place(shop, request(shop))
    again = await place(shop, request(shop))
    assert (again.created, again.order.id) == (False, first.order.id)
    with pytest.raises(OrderNumberTaken):
        await place(shop, request(shop, remark="改了备注"))
    assert await _count(shop.world.database, "orders") == 1
    assert await _count(shop.world.database, "freezes") == 2


async def test_the_same_order_sent_twenty_times_at_once_is_one_order(shop: Shop) -> None:
    body = request(shop, order_no="PO-RUSH")
    outcomes = await asyncio.gather(*(place(shop, body) for _ in range(20)))
    assert sum(1 for o in outcomes if o.created) == 1
    assert len({o.order.id for o in outcomes}) == 1
    db = shop.world.database
    assert (await _count(db, "orders"), await _count(db, "sub_orders")) == (1, 2)
    assert await _count(db, "freezes") == 2
    assert (await ledger_report(db)).in_balance


async def test_refusals_write_nothing(shop: Shop, world: World) -> None:
    stale = request(shop)
    stale.items[0].unit_price += 1
    with pytest.raises(PriceChanged) as changed:
        await place(shop, stale)
    assert changed.value.details["prices"] == [
        {
            "product_id": shop.phone,
            "unit_price": shop.prices[shop.phone] + 1,
            "current_price": shop.prices[shop.phone],
        }
    ]
    foreign = request(
        shop, items=[{"product_id": world.products[4], "quantity": 1, "unit_price": 1}]
    )
    with pytest.raises(ProductsNotOrderable):
        await place(shop, foreign)
    huge = request(
        shop,
        items=[
            {"product_id": shop.phone, "quantity": 9_999, "unit_price": shop.prices[shop.phone]}
        ],
    )
    with pytest.raises(InsufficientFunds):
        await place(shop, huge)
    with pytest.raises(PermissionDenied):
        async with world.database.platform_transaction() as session:
            await accept_order(session, buyer(world.beta), shop.tenant, request(shop), SECRETS)
    for table in ("orders", "sub_orders", "order_items", "order_events", "freezes"):
        assert await _count(world.database, table) == 0, table
    assert (await summary(world.database, shop.tenant)).frozen_fen == 0


@pytest.mark.parametrize(
    "change",
    [
        {"order_no": "PO 1"},
        {"order_no": "x" * 65},
        {"order_no": ""},
        {"items": []},
        {"remark": "a\nb"},
        {"address": {"province_id": 1, "city_id": 2, "county_id": 3, "detail": "x",
                     "receiver": "张三", "mobile": "12345"}},
    ],
)  # fmt: skip
def test_a_malformed_request_is_refused_before_anything_is_read(
    shop: Shop, change: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        request(shop, **change)


def test_a_product_twice_or_a_negative_quantity_is_refused(shop: Shop) -> None:
    line = {"product_id": shop.phone, "quantity": 1, "unit_price": 1}
    with pytest.raises(ValidationError, match="each product must appear once"):
        request(shop, items=[line, line])
    with pytest.raises(ValidationError):
        request(shop, items=[line | {"quantity": -1}])
