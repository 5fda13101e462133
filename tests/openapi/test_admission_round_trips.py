"""A signed read takes one pooled connection: its admission (nonce and token) goes out on the
route's own connection, with the route transaction's BEGIN (hive.openapi.admission)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_tenant
from tests.support.openapi import IssuedApp, call, gateway_settings, make_app, running_gateway


@pytest.fixture
def checkouts() -> Iterator[list[object]]:
    """Every pool checkout in this process while the test runs (the gateway runs in it)."""
    seen: list[object] = []

    def count(*_: Any) -> None:
        seen.append(object())

    event.listen(Pool, "checkout", count)
    try:
        yield seen
    finally:
        event.remove(Pool, "checkout", count)


async def test_a_signed_read_checks_out_one_connection(
    database: Database, settings: Settings, checkouts: list[object]
) -> None:
    cached = gateway_settings(settings, open_api_app_cache_s=600)  # no app read per request
    tenant_id = await make_tenant(database, "acme")
    app: IssuedApp = await make_app(database, cached, tenant_id)
    with running_gateway(cached) as url:
        assert (await call(url, app, "GET", "/open/v1/categories")).status_code == 200
        checkouts.clear()
        second = await call(url, app, "GET", "/open/v1/categories")
        assert second.status_code == 200, second.text
        assert second.headers["X-RateLimit-Limit"]
        assert len(checkouts) == 1
