"""Products, prices, stock and the library through the Open API, scoped to the calling tenant:
another tenant's product, library item or price answers 404 / not found and never leaks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_grade, make_tenant
from tests.support.openapi import (
    IssuedApp,
    call,
    client_for,
    make_app,
    make_priced_product,
    make_visible,
    sql,
)


@dataclass
class Shops:
    acme: IssuedApp
    globex: IssuedApp
    ours: list[int]  # acme's exclusive products (priced 1990 and 2990 for acme's grade)
    theirs: int  # globex's exclusive product


@pytest.fixture
async def shops(database: Database, open_settings: Settings) -> Shops:
    gold, silver = await make_grade(database, "金牌"), await make_grade(database, "银牌")
    acme, globex = (
        await make_tenant(database, "acme", gold),
        await make_tenant(database, "globex", silver),
    )
    ours = [
        await make_priced_product(database, gold, 1990, sku="a1"),
        await make_priced_product(database, gold, 2990, sku="a2"),
    ]
    theirs = await make_priced_product(database, silver, 5000, sku="g1")
    await make_visible(database, acme, ours, "acme 专享")
    await make_visible(database, globex, [theirs], "globex 专享")
    await sql(
        database, 'UPDATE products SET stock = \'{"1": {"state": "in_stock", "remaining": 5}}\''
    )
    return Shops(
        await make_app(database, open_settings, acme),
        await make_app(database, open_settings, globex),
        ours,
        theirs,
    )


async def test_the_pool_scope_lists_what_the_tenant_may_see_at_its_price(
    gateway: str, shops: Shops
) -> None:
    response = await call(gateway, shops.acme, "GET", "/open/v1/products", params={"scope": "pool"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted((p["id"], p["price_fen"]) for p in body["items"]) == [
        (shops.ours[0], 1990),
        (shops.ours[1], 2990),
    ]
    assert all(not p["in_library"] for p in body["items"]) and body["total"] == 2


async def test_another_tenants_product_is_not_found(gateway: str, shops: Shops) -> None:
    response = await call(gateway, shops.acme, "GET", f"/open/v1/products/{shops.theirs}")
    assert response.status_code == 404 and response.json()["code"] == "product_not_found"
    assert "5000" not in response.text
    own = await call(gateway, shops.acme, "GET", f"/open/v1/products/{shops.ours[0]}")
    assert own.status_code == 200 and own.json()["price_fen"] == 1990
    prices = await call(
        gateway,
        shops.acme,
        "POST",
        "/open/v1/prices/query",
        json={"product_ids": [shops.ours[0], shops.theirs]},
    )
    assert prices.json() == {
        "items": [{"product_id": shops.ours[0], "price_fen": 1990}],
        "not_found": [shops.theirs],
    }


async def test_the_library_is_filled_listed_and_emptied_through_the_api(
    gateway: str, shops: Shops, database: Database
) -> None:
    first, second = shops.ours
    added = await call(
        gateway, shops.acme, "POST", "/open/v1/library/items", json={"product_ids": [first, second]}
    )
    assert (added.status_code, added.json()) == (200, {"added": 2})
    cheap = await call(
        gateway, shops.acme, "GET", "/open/v1/products", params={"max_price_fen": "2000"}
    )
    assert [(p["id"], p["in_library"], p["library_status"]) for p in cheap.json()["items"]] == [
        (first, True, "available")
    ]
    removed = await call(gateway, shops.acme, "DELETE", f"/open/v1/library/items/{first}")
    assert (removed.status_code, removed.json()) == (200, {"removed": 1})
    again = await call(gateway, shops.acme, "DELETE", f"/open/v1/library/items/{first}")
    assert again.status_code == 404 and again.json()["code"] == "library_item_not_found"
    listed = await call(gateway, shops.acme, "GET", "/open/v1/products")
    assert [p["id"] for p in listed.json()["items"]] == [second]


async def test_another_tenants_library_item_cannot_be_added_or_removed(
    gateway: str, shops: Shops, database: Database
) -> None:
    theirs = await call(
        gateway,
        shops.globex,
        "POST",
        "/open/v1/library/items",
        json={"product_ids": [shops.theirs]},
    )
    assert theirs.status_code == 200
    refused = await call(
        gateway, shops.acme, "POST", "/open/v1/library/items", json={"product_ids": [shops.theirs]}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_library_request"
    gone = await call(gateway, shops.acme, "DELETE", f"/open/v1/library/items/{shops.theirs}")
    assert gone.status_code == 404
    rows = await sql(database, "SELECT tenant_id, product_id FROM library_items")
    assert rows == [(shops.globex.tenant_id, shops.theirs)]


async def test_adding_to_the_library_twice_with_one_key_adds_once(
    gateway: str, shops: Shops, database: Database
) -> None:
    body = {"product_ids": [shops.ours[0]]}

    def add() -> httpx.Response:
        with client_for(gateway, shops.acme) as client:
            return client.post("/open/v1/library/items", json=body, idempotency_key="add-1")

    first, second = await asyncio.to_thread(add), await asyncio.to_thread(add)
    assert first.json() == second.json() == {"added": 1}
    assert second.headers["Idempotent-Replayed"] == "true"
    audits = await sql(database, "SELECT count(*) FROM audit_log WHERE action = 'library.added'")
    assert audits == [(1,)]


async def test_stock_for_an_area_from_the_kept_province(gateway: str, shops: Shops) -> None:
    body = {
        "items": [
            {"product_id": shops.ours[0], "quantity": 2},
            {"product_id": shops.ours[1], "quantity": 9},
            {"product_id": shops.theirs, "quantity": 1},
        ],
        "area": {"province_id": 1, "city_id": 72, "county_id": 2799, "town_id": 0},
    }
    response = await call(gateway, shops.acme, "POST", "/open/v1/stock/query", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [(i["product_id"], i["state"], i["available"]) for i in answer["items"]] == [
        (shops.ours[0], "in_stock", True),
        (shops.ours[1], "in_stock", False),  # 9 wanted, 5 left
    ]
    assert answer["not_found"] == [shops.theirs]
    elsewhere = {**body, "area": {"province_id": 2, "city_id": 0, "county_id": 0}}
    unknown = await call(gateway, shops.acme, "POST", "/open/v1/stock/query", json=elsewhere)
    assert {i["state"] for i in unknown.json()["items"]} == {"unknown"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/open/v1/products", {"page_size": "101"}),
        ("/open/v1/products", {"scope": "everything"}),
        ("/open/v1/products", {"min_price_fen": "-1"}),
        ("/open/v1/products", {"category_id": "abc"}),
    ],
)
async def test_bad_queries_are_refused_with_the_field_named(
    gateway: str, shops: Shops, path: str, params: dict[str, str]
) -> None:
    response = await call(gateway, shops.acme, "GET", path, params=params)
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["details"]["problems"]] == list(params)
