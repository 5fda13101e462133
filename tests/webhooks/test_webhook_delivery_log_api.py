"""``GET /open/v1/webhooks/deliveries[/{id}]`` over the real gateway: an app reads the
deliveries to its own endpoints, filtered, and one with its attempts; another tenant's or
another app's delivery or endpoint is 404 and leaks nothing; bad or unknown parameters are
refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_tenant
from tests.support.openapi import IssuedApp, call, gateway_settings, make_app
from tests.support.webhooks import T0, dispatch_all, hook_settings, raise_price, rows, send_round
from tests.support.webhooks import subscribe as subscribe_hook

DELIVERIES = "/open/v1/webhooks/deliveries"
HOOK_URL = "http://127.0.0.1:9/hook"  # nobody listens: each attempt fails and is recorded


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return hook_settings(gateway_settings(settings))


async def _get(url: str, app: IssuedApp, path: str, params: Any = None) -> httpx.Response:
    return await call(url, app, "GET", path, params=params)


async def _one_failed_delivery(
    database: Database, settings: Settings, tenant_id: int, app: IssuedApp
) -> int:
    """A price-change webhook of ``app``, one event for it, one failed attempt; its id."""
    endpoint, _ = await subscribe_hook(database, settings, tenant_id, app.app_id, HOOK_URL)
    await raise_price(database, tenant_id, 7, 100)
    await dispatch_all(database, 1)
    assert await send_round(database, settings, T0) == 1
    return endpoint


async def test_an_app_reads_its_deliveries_filtered_and_one_with_its_attempts(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    tenant = await make_tenant(database, "acme")
    app = await make_app(database, open_settings, tenant)
    endpoint = await _one_failed_delivery(database, open_settings, tenant, app)
    [stored] = await rows(database, "SELECT id, uid, body FROM webhook_deliveries")

    listed = await _get(gateway, app, DELIVERIES)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert (page["total"], page["page"], page["page_size"]) == (1, 1, 20)
    [item] = page["items"]
    assert item["id"] == stored.id and item["uid"] == str(stored.uid)
    assert (item["endpoint_id"], item["event_type"], item["status"]) == (
        endpoint,
        "product.price_changed",
        "pending",
    )
    assert item["attempt_count"] == 1 and item["next_attempt_at"] is not None
    assert "body" not in item
    for params, expected in (
        ({"endpoint_id": endpoint}, 1),
        ({"status": "pending"}, 1),
        ({"status": "delivered"}, 0),
        ({"event_type": "product.price_changed"}, 1),
        ({"event_type": "order.status_changed"}, 0),
        ({"page": 2}, 0),
    ):
        answer = (await _get(gateway, app, DELIVERIES, params)).json()
        assert (answer["total"] if "page" not in params else len(answer["items"])) == expected

    one = await _get(gateway, app, f"{DELIVERIES}/{stored.id}")
    assert one.status_code == 200, one.text
    detail = one.json()
    assert detail["body"] == stored.body
    [attempt] = detail["attempts"]
    assert attempt["status_code"] is None and attempt["error"]
    assert attempt["outcome"] == "retry"


async def test_another_tenants_or_apps_delivery_is_not_found_and_leaks_nothing(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    ours = await make_app(database, open_settings, acme)
    sibling = await make_app(database, open_settings, acme)
    theirs = await make_app(database, open_settings, globex)
    endpoint = await _one_failed_delivery(database, open_settings, acme, ours)
    [stored] = await rows(database, "SELECT id, uid FROM webhook_deliveries")

    for other in (theirs, sibling):
        one = await _get(gateway, other, f"{DELIVERIES}/{stored.id}")
        assert one.status_code == 404 and one.json()["code"] == "webhook_delivery_not_found"
        listed = (await _get(gateway, other, DELIVERIES)).json()
        assert listed["items"] == [] and listed["total"] == 0
        filtered = await _get(gateway, other, DELIVERIES, {"endpoint_id": endpoint})
        assert filtered.status_code == 404 and filtered.json()["code"] == "webhook_not_found"
        for answer in (one, filtered):
            assert str(stored.uid) not in answer.text and HOOK_URL not in answer.text
    assert (await _get(gateway, ours, f"{DELIVERIES}/{stored.id}")).status_code == 200


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"stauts": "dead"}, "stauts"),
        ({"status": "lost"}, "status"),
        ({"event_type": "product.exploded"}, "event_type"),
        ({"endpoint_id": "0"}, "endpoint_id"),
        ({"endpoint_id": "x"}, "endpoint_id"),
        ({"page": "0"}, "page"),
        ({"page_size": "101"}, "page_size"),
    ],
)
async def test_bad_or_unknown_parameters_are_refused_naming_them(
    gateway: str, database: Database, open_settings: Settings, params: dict[str, str], name: str
) -> None:
    app = await make_app(database, open_settings, await make_tenant(database, "acme"))
    answer = await _get(gateway, app, DELIVERIES, params)
    assert answer.status_code == 422, answer.text
    assert name in answer.text


async def test_the_routes_are_in_the_gateways_openapi_document(gateway: str) -> None:
    spec = (await asyncio.to_thread(httpx.get, gateway + "/openapi.json")).json()
    listed = spec["paths"][DELIVERIES]["get"]
    assert {p["name"] for p in listed["parameters"]} == {
        "endpoint_id",
        "status",
        "event_type",
        "page",
        "page_size",
    }
    assert "get" in spec["paths"][DELIVERIES + "/{delivery_id}"]
