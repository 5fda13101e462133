"""The pull feed: a tenant reads its own events after a cursor, oldest first, and never another
tenant's (its cursor is unknown here: 404)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_tenant
from tests.support.openapi import (
    IssuedApp,
    call,
    gateway_processes,
    make_app,
)
from tests.support.webhooks import raise_price

MESSAGES = "/open/v1/messages"


async def _read(url: str, app: IssuedApp, **params: int) -> httpx.Response:
    return await call(url, app, "GET", MESSAGES, params={k: str(v) for k, v in params.items()})


async def _read_some(url: str, app: IssuedApp, at_least: int, **params: int) -> dict[str, Any]:
    """The first page that holds events: an event is held back while any transaction older
    than it is still running anywhere on the server (other tests run beside this one)."""
    deadline = time.monotonic() + 60
    while True:
        page: dict[str, Any] = (await _read(url, app, **params)).json()
        if len(page["items"]) >= at_least or time.monotonic() > deadline:
            return page
        await asyncio.sleep(0.1)


async def test_a_tenant_pages_through_its_events_with_the_cursor(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    app = await make_app(database, open_settings, acme)
    await raise_price(database, acme, 7, 100)
    await raise_price(database, globex, 7, 999)
    await raise_price(database, acme, 7, 120)
    await raise_price(database, acme, 8, 300)
    first = await _read_some(gateway, app, 2, limit=2)
    assert [(m["entity_id"], m["sequence"], m["payload"]) for m in first["items"]] == [
        (7, 1, {"price_fen": 100}),
        (7, 2, {"price_fen": 120}),
    ]
    rest = await _read_some(gateway, app, 1, after=first["next_after"])
    assert [(m["entity_id"], m["payload"]["price_fen"]) for m in rest["items"]] == [(8, 300)]
    done = (await _read(gateway, app, after=rest["next_after"])).json()
    assert done == {"items": [], "next_after": rest["next_after"]}
    assert first["items"][0]["type"] == "product.price_changed"


@pytest.mark.slow  # real processes
async def test_a_cursor_survives_a_gateway_restart_and_holds_in_any_process(
    database: Database, open_settings: Settings, tmp_path: Path
) -> None:
    """Read part of the feed from one ``hive hag`` process, stop it, raise another event, and
    go on with the cursor from a new process: the rest follows, nothing again, nothing lost."""
    acme = await make_tenant(database, "acme")
    app = await make_app(database, open_settings, acme)
    for data_dir in (tmp_path / "one", tmp_path / "two"):
        data_dir.mkdir()
    for product, price in ((7, 100), (8, 200), (9, 300)):
        await raise_price(database, acme, product, price)
    with gateway_processes(1, open_settings.database_url, tmp_path / "one") as [url]:
        first = await _read_some(url, app, 2, limit=2)
    assert [m["entity_id"] for m in first["items"]] == [7, 8]
    await raise_price(database, acme, 10, 400)  # while no gateway runs
    with gateway_processes(2, open_settings.database_url, tmp_path / "two") as urls:
        rest = [await _read_some(url, app, 2, after=first["next_after"]) for url in urls]
    assert rest[0] == rest[1]  # the same cursor means the same thing in every process
    assert [m["entity_id"] for m in rest[0]["items"]] == [9, 10]
    assert rest[0]["items"][0]["id"] > first["next_after"]


async def test_another_tenants_cursor_is_unknown_and_leaks_nothing(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    await raise_price(database, globex, 7, 999)
    app = await make_app(database, open_settings, acme)
    theirs = await _read_some(gateway, await make_app(database, open_settings, globex), 1)
    response = await _read(gateway, app, after=theirs["items"][0]["id"])
    assert response.status_code == 404 and response.json()["code"] == "unknown_event_cursor"
    assert (await _read(gateway, app)).json()["items"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"after": -1}])
async def test_bad_paging_is_refused_naming_the_field(
    gateway: str, database: Database, open_settings: Settings, params: dict[str, int]
) -> None:
    app = await make_app(database, open_settings, await make_tenant(database, "acme"))
    response = await _read(gateway, app, **params)
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    fields = [p["field"] for p in response.json()["details"]["problems"]]
    assert fields == list(params)
