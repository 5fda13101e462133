"""Attacks on the Open API order routes over real HTTP: an address whose areas do not nest
(a city of another province, a county of another city, an unknown county where the city's
counties are known, no town where the county has towns) is a 422 naming the field and changes
nothing; the workbench checkout refused them already, the Open API placed the order."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.billing import summary
from tests.support.openapi import call, client_for, sql
from tests.support.orders import SHANGHAI, OrderWorld, order_world, stock_product

ORDERS = "/open/v1/orders"
BEIJING, BEIJING_CITY, BEIJING_COUNTY = 1, 72, 2799
SHANGHAI_CITY, SHANGHAI_COUNTY, SHANGHAI_TOWN = 2813, 51976, 51977


@pytest.fixture
async def acme(database: Database, open_settings: Settings) -> OrderWorld:
    world = await order_world(database, open_settings)
    await stock_product(world, "TEA", 12_000, 50)
    areas = [
        (BEIJING, None, "北京", 1),
        (SHANGHAI, None, "上海", 1),
        (BEIJING_CITY, BEIJING, "朝阳区", 2),
        (SHANGHAI_CITY, SHANGHAI, "静安区", 2),
        (BEIJING_COUNTY, BEIJING_CITY, "三环以内", 3),
        (SHANGHAI_COUNTY, SHANGHAI_CITY, "城区", 3),
        (SHANGHAI_TOWN, SHANGHAI_COUNTY, "静安寺街道", 4),
    ]
    for area_id, parent, name, level in areas:
        await sql(
            database,
            "INSERT INTO areas (id, parent_id, name, level) VALUES (:i, :p, :n, :l) "
            "ON CONFLICT (id) DO NOTHING",
            i=area_id,
            p=parent,
            n=name,
            l=level,
        )
    return world


def _post_all(url: str, world: OrderWorld, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    with client_for(url, world.app, timeout_s=30.0) as client:
        return [client.post(ORDERS, json=body) for body in bodies]


def _with(world: OrderWorld, order_no: str, **address: int | None) -> dict[str, Any]:
    body = world.body(order_no, ("TEA", 1))
    body["address"] = {**body["address"], "town_id": SHANGHAI_TOWN, **address}
    return body


@pytest.mark.parametrize(
    ("address", "field", "code"),
    [
        ({"city_id": BEIJING_CITY}, "address.city_id", "outside_parent"),
        ({"county_id": BEIJING_COUNTY}, "address.county_id", "outside_parent"),
        ({"county_id": 424_242}, "address.county_id", "not_found"),
        ({"town_id": 123_456_789}, "address.town_id", "not_found"),
        ({"town_id": None}, "address.town_id", "required"),
        ({"province_id": SHANGHAI_CITY}, "address.province_id", "not_found"),
        ({"province_id": 999_999}, "address.province_id", "not_found"),
    ],
)
async def test_an_address_whose_areas_do_not_nest_is_refused_and_changes_nothing(
    gateway: str,
    acme: OrderWorld,
    database: Database,
    address: dict[str, int | None],
    field: str,
    code: str,
) -> None:
    refused, placed = await asyncio.to_thread(
        _post_all, gateway, acme, [_with(acme, "PO-BAD", **address), _with(acme, "PO-GOOD")]
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "validation_failed"
    problems = refused.json()["details"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [(field, code)]
    assert placed.status_code == 201, placed.text  # the same body with nesting areas
    assert await sql(database, "SELECT order_no FROM orders") == [("PO-GOOD",)]
    assert (await summary(database, acme.app.tenant_id)).frozen_fen == placed.json()["total_fen"]


def _send_raw(url: str, world: OrderWorld, bodies: list[object]) -> list[httpx.Response]:
    with client_for(url, world.app, timeout_s=30.0) as client:
        return [
            client.request(
                "POST", ORDERS, content=body, headers={"Content-Type": "application/json"}
            )
            if isinstance(body, bytes)
            else client.post(ORDERS, json=body)
            for body in bodies
        ]


async def test_malformed_bodies_name_the_field_with_a_code_that_says_what_is_wrong(
    gateway: str, acme: OrderWorld, database: Database
) -> None:
    body = _with(acme, "PO-LINES")
    line = body["items"][0]
    many = [{**line, "product_id": n} for n in range(1, 102)]
    bodies: list[object] = [
        {**body, "items": many},
        {**body, "items": []},
        {**body, "items": [line, {**line, "quantity": 2}]},
        b'{"order_no": "PO-JSON", "items": [',
    ]
    answers = await asyncio.to_thread(_send_raw, gateway, acme, bodies)
    found = [
        [(p["field"], p["code"], p["params"]) for p in a.json()["details"]["problems"]]
        for a in answers
    ]
    assert [a.status_code for a in answers] == [422] * 4, [a.text for a in answers]
    assert found == [
        [("items", "too_many_items", {"max": 100})],  # was too_long: "at most 100 characters"
        [("items", "too_few_items", {"min": 1})],
        [("items", "duplicate", {"ids": str(line["product_id"])})],  # was input: invalid
        [("body", "invalid_json", {})],  # was the field "1" (a character offset)
    ]
    assert await sql(database, "SELECT count(*) FROM orders") == [(0,)]


@pytest.mark.parametrize("number", [" PO-SPACE ", "PO-LINE\n", "\tPO-TAB"])
async def test_an_order_number_with_whitespace_is_refused_not_trimmed(
    gateway: str, acme: OrderWorld, database: Database, number: str
) -> None:
    (answer,) = await asyncio.to_thread(_post_all, gateway, acme, [_with(acme, number)])
    assert answer.status_code == 422, answer.text  # was 201 with the order "PO-SPACE"
    problems = answer.json()["details"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [("order_no", "invalid_format")]
    assert await sql(database, "SELECT count(*) FROM orders") == [(0,)]


async def test_an_unknown_list_parameter_is_refused(gateway: str, acme: OrderWorld) -> None:
    answer = await call(gateway, acme.app, "GET", ORDERS, params={"stauts": "cancelled"})
    assert answer.status_code == 422, answer.text
