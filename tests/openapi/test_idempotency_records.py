"""The idempotency record and the route's effect, against the real database: written in one
transaction (a crash before the commit leaves neither), a 5xx stores nothing (a retry is a
fresh attempt), a refusal is stored while its effect is undone.

These call :func:`hive.openapi.idempotency.idempotent` inside a tenant transaction as the
gateway's routes do, with a route whose effect is a real tenant event, so what is left in the
database after each ending can be read back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.requests import Request

from hive.events.service import raise_tenant_event
from hive.openapi import service
from hive.openapi.idempotency import idempotent
from hive.openapi.rate_limit import Limit
from hive.openapi.service import AppCredentials
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import Conflict, ServiceUnavailable
from hive.platform.secret_key import load_secret_box
from tests.support.factories import make_tenant
from tests.support.openapi import make_app, sql

ROUTE = "/open/v1/library/items"
BODY = b'{"product_ids":[7]}'


class Added(BaseModel):
    added: int


class Crash(Exception):
    """The process dies after the route's work, before its transaction commits."""


def _request(key: str) -> Request:
    messages = [{"type": "http.request", "body": BODY, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "POST",
        "path": ROUTE,
        "raw_path": ROUTE.encode(),
        "query_string": b"",
        "headers": [(b"idempotency-key", key.encode()), (b"content-type", b"application/json")],
        "route": SimpleNamespace(path=ROUTE),
    }
    return Request(scope, receive)


@pytest.fixture
async def caller(database: Database, open_settings: Settings) -> AppCredentials:
    issued = await make_app(database, open_settings, await make_tenant(database, "acme"))
    async with database.platform_transaction() as session:
        found = await service.app_credentials(
            session,
            issued.app_key,
            load_secret_box(open_settings),
            now=datetime.now(UTC),
            default_limit=Limit(10, 10),
        )
    assert found is not None
    return found


def _route(
    app: AppCredentials, ending: BaseException | None, session_box: list[Any]
) -> Callable[[], Awaitable[Added]]:
    """The route's work: one tenant event (its effect), then ``ending`` raised if given."""

    async def handler() -> Added:
        await raise_tenant_event(
            session_box[0], app.tenant_id, "product.price_changed",
            entity_type="product", entity_id=7, payload={"price_fen": 100},
        )  # fmt: skip
        if ending is not None:
            raise ending
        return Added(added=1)

    return handler


async def _run(
    database: Database, app: AppCredentials, key: str, ending: BaseException | None = None
) -> tuple[int, bytes, str | None]:
    box: list[Any] = []
    async with database.tenant_transaction(app.tenant_id) as session:
        box.append(session)
        response = await idempotent(_request(key), app, session, _route(app, ending, box))
        return (
            response.status_code,
            bytes(response.body),
            response.headers.get("Idempotent-Replayed"),
        )


async def _left(database: Database) -> tuple[int, int]:
    """(idempotency records, tenant events) in the database."""
    records = await sql(database, "SELECT count(*) FROM open_idempotency_records")
    events = await sql(database, "SELECT count(*) FROM tenant_events")
    return int(records[0][0]), int(events[0][0])


async def test_a_crash_before_the_commit_leaves_neither_record_nor_effect(
    database: Database, caller: AppCredentials
) -> None:
    with pytest.raises(Crash):
        box: list[Any] = []
        async with database.tenant_transaction(caller.tenant_id) as session:
            box.append(session)
            answered = await idempotent(_request("k1"), caller, session, _route(caller, None, box))
            assert answered.status_code == 200
            raise Crash
    assert await _left(database) == (0, 0)
    # So the retry is a first attempt, done once and then replayed.
    assert await _run(database, caller, "k1") == (200, b'{"added":1}', None)
    assert await _run(database, caller, "k1") == (200, b'{"added":1}', "true")
    assert await _left(database) == (1, 1)


async def test_a_5xx_stores_nothing_and_the_retry_is_a_fresh_attempt(
    database: Database, caller: AppCredentials
) -> None:
    with pytest.raises(ServiceUnavailable):
        await _run(database, caller, "k2", ServiceUnavailable())
    assert await _left(database) == (0, 0)
    assert await _run(database, caller, "k2") == (200, b'{"added":1}', None)
    assert await _left(database) == (1, 1)


async def test_a_refusal_is_stored_with_its_effect_undone(
    database: Database, caller: AppCredentials
) -> None:
    status, body, _ = await _run(database, caller, "k3", Conflict())
    assert status == 409 and b'"code":"conflict"' in body.replace(b" ", b"")
    assert await _left(database) == (1, 0)
    # The retry gets the stored refusal; the route does not run again.
    assert (await _run(database, caller, "k3"))[:1] == (409,)
    assert await _left(database) == (1, 0)
