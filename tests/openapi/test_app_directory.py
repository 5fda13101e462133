"""The gateway's app directory: apps cached per process for ``HIVE_OPEN_API_APP_CACHE_S``, one
read per key when many requests find the entry missing or stale at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from hive.openapi import service
from hive.openapi.gateway import AppDirectory
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import ADMIN, make_tenant
from tests.support.openapi import gateway_settings, make_app


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each read of an app from the database, by key (a read takes a moment)."""
    seen: list[str] = []
    original = service.app_credentials

    async def counted(session: Any, app_key: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(app_key)
        await asyncio.sleep(0.05)
        return await original(session, app_key, *args, **kwargs)

    monkeypatch.setattr(service, "app_credentials", counted)
    return seen


async def test_requests_that_find_the_entry_stale_together_read_it_once(
    database: Database, settings: Settings, reads: list[str]
) -> None:
    cached = gateway_settings(settings, open_api_app_cache_s=2.0)
    app = await make_app(database, cached, await make_tenant(database, "acme"))
    clock = Clock()
    directory = AppDirectory(database, cached, clock=clock)

    first = await asyncio.gather(*(directory.find(app.app_key) for _ in range(20)))
    clock.now += 1.0
    await directory.find(app.app_key)  # still fresh
    clock.now += 1.5
    again = await asyncio.gather(*(directory.find(app.app_key) for _ in range(20)))

    assert reads == [app.app_key, app.app_key]
    assert {found.app_id if found else None for found in first + again} == {app.app_id}


async def test_a_revocation_is_seen_once_the_entry_is_stale_and_at_once_without_a_cache(
    database: Database, settings: Settings, reads: list[str]
) -> None:
    cached = gateway_settings(settings, open_api_app_cache_s=2.0)
    app = await make_app(database, cached, await make_tenant(database, "acme"))
    clock = Clock()
    directory = AppDirectory(database, cached, clock=clock)
    uncached = AppDirectory(database, gateway_settings(settings), clock=clock)
    assert await directory.find(app.app_key) is not None
    assert await uncached.find(app.app_key) is not None

    async with database.platform_transaction() as session:
        await service.revoke_app(session, ADMIN, now=datetime.now(UTC), app_key=app.app_key)

    assert await uncached.find(app.app_key) is None
    assert await directory.find(app.app_key) is not None  # within the cache's bound
    clock.now += 2.0
    assert await directory.find(app.app_key) is None
