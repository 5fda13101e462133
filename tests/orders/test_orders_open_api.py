"""The order routes of the Open API over real HTTP with the signed client: idempotent on the
tenant's order_no (also 20 times at once, also after a client timed out), Idempotency-Key,
price refusals with current prices, reading and listing, another tenant's order never leaks."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hive.openapi.scopes import Scope
from hive.orders import repository
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.billing import summary
from tests.support.openapi import (
    call,
    make_app,
    sql,
)
from tests.support.orders import OrderWorld, order_world, stock_product

ORDERS = "/open/v1/orders"


@pytest.fixture
async def acme(database: Database, open_settings: Settings) -> OrderWorld:
    world = await order_world(database, open_settings)
    await stock_product(world, "TEA", 12_000, 50)
    await stock_product(world, "RICE", 5_000, 50)
    return world


async def _count(database: Database, table: str) -> int:
    return int((await sql(database, f"SELECT count(*) FROM {table}"))[0][0])


async def test_a_new_order_is_201_and_the_same_order_again_is_200_with_the_first_order(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-1", ("TEA", 2), ("RICE", 1))
    first = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert first.status_code == 201, first.text
    order = first.json()
    assert order["order_no"] == "PO-1" and order["status"] == "accepted"
    assert order["items_fen"] == 2 * 12_000 + 5_000
    assert order["total_fen"] == order["items_fen"] + order["freight_fen"]
    assert order["address"]["mobile"] == "138****5678" and order["address"]["receiver"] == "张*"
    assert [line["product_id"] for line in order["items"]] == [
        acme.products["TEA"],
        acme.products["RICE"],
    ]
    assert len(order["sub_orders"]) == 1  # one supplier
    again = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert (again.status_code, again.json()) == (200, order)
    read = await call(gateway, acme.app, "GET", f"{ORDERS}/PO-1")
    assert (read.status_code, read.json()) == (200, order)
    other = await call(gateway, acme.app, "POST", ORDERS, json=acme.body("PO-1", ("TEA", 3)))
    assert other.status_code == 409 and other.json()["code"] == "order_no_conflict"
    assert set(other.json()) >= {"code", "message", "request_id"}
    assert await _count(database, "orders") == 1
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == order["total_fen"]


async def test_the_same_order_sent_twenty_times_at_once_is_one_order_and_one_freeze(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-RUSH", ("TEA", 1))
    answers = await asyncio.gather(
        *(call(gateway, acme.app, "POST", ORDERS, json=body) for _ in range(20))
    )
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 201, 409}, [a.text for a in answers if a.status_code >= 500]
    assert statuses.count(201) == 1
    numbers = {a.json()["sub_orders"][0]["sub_order_no"] for a in answers if a.status_code < 300}
    assert len(numbers) == 1
    assert await _count(database, "orders") == 1
    assert await _count(database, "sub_orders") == 1
    assert await _count(database, "freezes") == 1
    assert (
        await summary(database, acme.app.tenant_id)
    ).frozen_fen == 12_000 + 800  # goods + the warehouse's flat freight


async def test_the_same_idempotency_key_replays_the_first_answer(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-KEY", ("RICE", 1))
    first = await call(gateway, acme.app, "POST", ORDERS, json=body, idempotency_key="k-1")
    again = await call(gateway, acme.app, "POST", ORDERS, json=body, idempotency_key="k-1")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    reused = await call(
        gateway,
        acme.app,
        "POST",
        ORDERS,
        json=acme.body("PO-KEY2", ("RICE", 1)),
        idempotency_key="k-1",
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert await _count(database, "orders") == 1


async def test_a_client_that_timed_out_after_the_commit_gets_the_first_order_on_retry(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-SLOW", ("TEA", 1))
    # Hold the order number so the first request waits inside the gateway (seen waiting for
    # the lock) past its client's timeout; released, it commits with nobody listening.
    async with database.platform_transaction() as session:
        await repository.lock_order_number(session, acme.app.tenant_id, "PO-SLOW")
        first = asyncio.create_task(
            call(gateway, acme.app, "POST", ORDERS, json=body, timeout_s=2.0)
        )
        await _until_a_request_waits_for_the_lock(database)
        with pytest.raises(httpx.TimeoutException):
            await first
    deadline = asyncio.get_running_loop().time() + 30
    while await _count(database, "orders") == 0:
        assert asyncio.get_running_loop().time() < deadline, "the first request never committed"
        await asyncio.sleep(0.05)
    retry = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert retry.status_code == 200, retry.text
    assert retry.json()["order_no"] == "PO-SLOW"
    assert await _count(database, "orders") == 1
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == retry.json()["total_fen"]


async def _until_a_request_waits_for_the_lock(database: Database) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    waiting = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    while int((await sql(database, waiting))[0][0]) == 0:
        assert asyncio.get_running_loop().time() < deadline, "the request never reached the lock"
        await asyncio.sleep(0.05)


async def test_a_price_mismatch_is_409_with_the_current_price_and_writes_nothing(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-PRICE", ("TEA", 1), ("RICE", 2))
    body["items"][1]["unit_price"] = 4_000
    answer = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert answer.status_code == 409 and answer.json()["code"] == "price_changed"
    assert answer.json()["details"]["prices"] == [
        {"product_id": acme.products["RICE"], "unit_price": 4_000, "current_price": 5_000}
    ]
    assert await _count(database, "orders") == 0
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == 0


async def test_another_tenants_order_is_not_found_by_number_nor_listed(
    gateway: str, acme: OrderWorld, database: Database, open_settings: Settings
) -> None:
    placed = await call(gateway, acme.app, "POST", ORDERS, json=acme.body("PO-7", ("TEA", 1)))
    assert placed.status_code == 201
    globex = await order_world(database, open_settings, "globex", supplier_id=acme.supplier_id)
    read = await call(gateway, globex.app, "GET", f"{ORDERS}/PO-7")
    assert read.status_code == 404 and read.json()["code"] == "order_not_found"
    assert "total_fen" not in read.text
    listed = await call(gateway, globex.app, "GET", ORDERS)
    assert listed.json()["items"] == [] and listed.json()["total"] == 0
    # The number is the tenant's own: no conflict with acme's; acme's products are not its.
    own = await call(gateway, globex.app, "POST", ORDERS, json=acme.body("PO-7", ("TEA", 2)))
    assert own.status_code == 422 and own.json()["code"] == "products_not_orderable"


async def test_orders_are_listed_newest_first_filtered_by_status_and_paged(
    gateway: str, acme: OrderWorld
) -> None:
    for number in ("PO-A", "PO-B", "PO-C"):
        placed = await call(gateway, acme.app, "POST", ORDERS, json=acme.body(number, ("RICE", 1)))
        assert placed.status_code == 201
    page = await call(gateway, acme.app, "GET", ORDERS, params=[("page_size", "2")])
    assert [o["order_no"] for o in page.json()["items"]] == ["PO-C", "PO-B"]
    assert page.json()["total"] == 3
    second = await call(
        gateway, acme.app, "GET", ORDERS, params=[("page_size", "2"), ("page", "2")]
    )
    assert [o["order_no"] for o in second.json()["items"]] == ["PO-A"]
    accepted = await call(gateway, acme.app, "GET", ORDERS, params=[("status", "accepted")])
    assert accepted.json()["total"] == 3
    shipped = await call(gateway, acme.app, "GET", ORDERS, params=[("status", "shipped")])
    assert shipped.json()["total"] == 0
    bad = await call(gateway, acme.app, "GET", ORDERS, params=[("status", "lost")])
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    later = await call(
        gateway, acme.app, "GET", ORDERS, params=[("created_after", "2999-01-01T00:00:00+08:00")]
    )
    assert later.json()["total"] == 0
    naive = await call(
        gateway, acme.app, "GET", ORDERS, params=[("created_after", "2020-01-01T00:00:00")]
    )
    assert naive.status_code == 422


async def test_an_app_without_the_orders_scopes_is_refused(
    gateway: str, acme: OrderWorld, database: Database, open_settings: Settings
) -> None:
    reader = await make_app(
        database, open_settings, acme.app.tenant_id, scopes=[Scope.CATALOG_READ], name="只读"
    )
    placed = await call(gateway, reader, "POST", ORDERS, json=acme.body("PO-X", ("TEA", 1)))
    assert placed.status_code == 403 and placed.json()["details"] == {"scope": "orders:write"}
    listed = await call(gateway, reader, "GET", ORDERS)
    assert listed.status_code == 403 and listed.json()["details"] == {"scope": "orders:read"}
    assert await _count(database, "orders") == 0


async def test_a_malformed_order_is_422_and_writes_nothing(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = acme.body("PO-BAD", ("TEA", 1))
    body["address"]["mobile"] = "12345"
    answer = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert answer.status_code == 422, answer.text
    bad_number = await call(gateway, acme.app, "GET", f"{ORDERS}/bad%20number")
    assert bad_number.status_code == 422
    assert await _count(database, "orders") == 0


async def test_the_invoice_and_remark_are_kept_and_part_of_the_order_body(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    """The optional invoice and remark are stored and answered as sent; a retry with another
    invoice is another body (409), and a malformed tax id is refused naming the field."""
    invoice = {"title": "上海某某贸易有限公司", "tax_id": "91310000MA1FL1234X"}
    body = acme.body("PO-INV", ("TEA", 1), invoice=invoice, remark="工作日 9–17 点送货")
    first = await call(gateway, acme.app, "POST", ORDERS, json=body)
    assert first.status_code == 201, first.text
    assert (first.json()["invoice"], first.json()["remark"]) == (invoice, "工作日 9–17 点送货")
    read = await call(gateway, acme.app, "GET", f"{ORDERS}/PO-INV")
    assert (read.json()["invoice"], read.json()["remark"]) == (invoice, "工作日 9–17 点送货")
    stored = await sql(database, "SELECT invoice, remark FROM orders WHERE order_no = 'PO-INV'")
    assert [tuple(row) for row in stored] == [(invoice, "工作日 9–17 点送货")]
    other = body | {"invoice": {"title": "另一个抬头"}}
    conflict = await call(gateway, acme.app, "POST", ORDERS, json=other)
    assert conflict.status_code == 409 and conflict.json()["code"] == "order_no_conflict"
    bad = acme.body("PO-INV2", ("TEA", 1), invoice={"title": "抬头", "tax_id": "not-a-tax-id"})
    refused = await call(gateway, acme.app, "POST", ORDERS, json=bad)
    assert refused.status_code == 422, refused.text
    assert "tax_id" in refused.text
    plain = await call(gateway, acme.app, "POST", ORDERS, json=acme.body("PO-PLAIN", ("RICE", 1)))
    assert (plain.json()["invoice"], plain.json()["remark"]) == (None, "")
    assert await _count(database, "orders") == 2
