"""The signed-request checks of the gateway, over real HTTP against real PostgreSQL: each
refusal answers its own code, and only an authentic, fresh, allowed request gets through."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as redis_asyncio

from hive.openapi import service as openapi
from hive.openapi.client import OpenApiClient, signed_headers
from hive.openapi.gateway_repository import forget_expired_nonces
from hive.openapi.scopes import Scope
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.secret_key import load_secret_box
from tests.support.factories import ADMIN, make_tenant
from tests.support.openapi import (
    IssuedApp,
    call,
    make_app,
    running_gateway,
    sql,
)
from tests.support.services import REDIS_URL, require_server

CATEGORIES = "/open/v1/categories"
ORDERS = "/open/v1/orders"


@pytest.fixture
async def app(database: Database, open_settings: Settings) -> IssuedApp:
    tenant_id = await make_tenant(database, "acme")
    return await make_app(database, open_settings, tenant_id)


def _code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) >= {"code", "message", "request_id"} and body["request_id"]
    return str(body["code"])


async def _get(url: str, app: IssuedApp, **options: object) -> httpx.Response:
    return await call(url, app, "GET", CATEGORIES, **options)


async def _raw(url: str, headers: dict[str, str], path: str = CATEGORIES) -> httpx.Response:
    def call() -> httpx.Response:
        return httpx.get(url + path, headers=headers)

    return await asyncio.to_thread(call)


async def test_a_signed_request_gets_the_categories(gateway: str, app: IssuedApp) -> None:
    response = await _get(gateway, app)
    assert response.status_code == 200, response.text
    assert response.json() == {"items": []}


async def test_missing_or_malformed_headers_are_refused_naming_them(
    gateway: str, app: IssuedApp
) -> None:
    response = await _raw(gateway, {})
    assert response.status_code == 401 and _code(response) == "signature_headers_invalid"
    headers = signed_headers(app.app_key, app.app_secret, "GET", CATEGORIES, "", b"")
    headers["X-Hive-Nonce"] = "short"
    response = await _raw(gateway, headers)
    assert _code(response) == "signature_headers_invalid"
    assert response.json()["details"] == {"headers": ["X-Hive-Nonce"]}


async def test_an_unknown_key_is_refused(gateway: str, app: IssuedApp) -> None:
    stranger = IssuedApp(0, "akunknown", app.app_secret, app.tenant_id)
    response = await _get(gateway, stranger)
    assert response.status_code == 401 and _code(response) == "app_key_invalid"


async def test_a_wrong_secret_is_refused(gateway: str, app: IssuedApp) -> None:
    forged = IssuedApp(app.app_id, app.app_key, app.app_secret + "x", app.tenant_id)
    response = await _get(gateway, forged)
    assert response.status_code == 401 and _code(response) == "signature_invalid"


async def test_a_tampered_query_or_body_breaks_the_signature(gateway: str, app: IssuedApp) -> None:
    headers = signed_headers(app.app_key, app.app_secret, "GET", CATEGORIES, "a=1", b"")
    response = await _raw(gateway, headers, CATEGORIES + "?a=2")
    assert _code(response) == "signature_invalid"
    headers = signed_headers(app.app_key, app.app_secret, "GET", CATEGORIES, "a=1", b"")
    response = await _raw(gateway, headers, CATEGORIES + "?a=1")
    # Signed as sent, so past the signature; then refused as a parameter the route lacks.
    assert response.status_code == 422, response.text
    problems = response.json()["details"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [("a", "not_allowed")]


# Timestamps are whole seconds (the client's clock truncated) and the gateway reads its clock a
# moment later: a timestamp 301 s ahead may reach it 300.x s ahead, so the future side is
# tested a few seconds out (the past side only grows on the way).
@pytest.mark.parametrize("skew_s", [-301, 305, -10_000, 10_000])
async def test_a_timestamp_outside_the_window_either_way_is_refused(
    gateway: str, app: IssuedApp, skew_s: int
) -> None:
    response = await _get(gateway, app, clock=lambda: time.time() + skew_s)
    assert response.status_code == 401 and _code(response) == "timestamp_out_of_window"


@pytest.mark.parametrize("skew_s", [-290, 290])
async def test_a_timestamp_inside_the_window_either_way_is_accepted(
    gateway: str, app: IssuedApp, skew_s: int
) -> None:
    response = await _get(gateway, app, clock=lambda: time.time() + skew_s)
    assert response.status_code == 200, response.text


async def test_a_replayed_request_is_refused(gateway: str, app: IssuedApp) -> None:
    headers = signed_headers(app.app_key, app.app_secret, "GET", CATEGORIES, "", b"")
    first = await _raw(gateway, headers)
    replay = await _raw(gateway, headers)
    assert first.status_code == 200
    assert replay.status_code == 401 and _code(replay) == "nonce_reused"


@pytest.mark.parametrize("backend", ["postgresql", "redis"])
async def test_a_nonce_is_kept_until_its_timestamp_has_left_the_window(
    backend: str, database: Database, open_settings: Settings
) -> None:
    """A request stamped 250 s ahead (accepted) is remembered until its own timestamp leaves
    the window (stamp + 300 s), not for 300 s from its arrival: at arrival + 400 s its
    timestamp is still good, so a replay then must still find the nonce."""
    settings = open_settings
    if backend == "redis":
        require_server("Redis", REDIS_URL, 6379)
        settings = open_settings.model_copy(update={"redis_url": REDIS_URL})
    app = await make_app(database, settings, await make_tenant(database, "acme"))
    now = int(time.time())
    stamp = now + 250
    headers = signed_headers(
        app.app_key, app.app_secret, "GET", CATEGORIES, "", b"", timestamp=stamp
    )
    with running_gateway(settings) as url:
        first = await _raw(url, headers)
        assert first.status_code == 200, first.text
        nonce = headers["X-Hive-Nonce"]
        if backend == "redis":
            client = redis_asyncio.from_url(REDIS_URL)
            try:
                kept_until = await client.expiretime(f"hive:nonce:{app.app_key}:{nonce}")
            finally:
                await client.aclose()
        else:
            rows = await sql(
                database,
                "SELECT extract(epoch FROM expires_at) FROM open_nonces WHERE nonce = :n",
                n=nonce,
            )
            kept_until = int(rows[0][0])
            async with database.platform_transaction() as session:  # a purge 400 s on
                await forget_expired_nonces(session, datetime.fromtimestamp(now + 400, UTC))
        assert kept_until == stamp + settings.open_api_timestamp_window_s
        replay = await _raw(url, headers)
    assert replay.status_code == 401 and _code(replay) == "nonce_reused"


async def test_a_request_whose_route_failed_keeps_its_nonce(gateway: str, app: IssuedApp) -> None:
    """The admission goes out with the route's transaction but commits before it: a route that
    answers 404 (its transaction rolled back) has still used its nonce."""
    path = "/open/v1/products/999999"
    headers = signed_headers(app.app_key, app.app_secret, "GET", path, "", b"")
    first = await _raw(gateway, headers, path)
    replay = await _raw(gateway, headers, path)
    assert first.status_code == 404 and _code(first) == "product_not_found"
    assert replay.status_code == 401 and _code(replay) == "nonce_reused"


async def test_a_route_without_a_transaction_after_its_caller_refuses_a_replay(
    gateway: str, app: IssuedApp
) -> None:
    """Placing an order opens no transaction right after its caller: its admission runs on a
    connection of its own, and a replay is refused all the same (here of an invalid body)."""
    body = b"{}"
    headers = signed_headers(app.app_key, app.app_secret, "POST", ORDERS, "", body)
    headers["Content-Type"] = "application/json"

    def post() -> httpx.Response:
        return httpx.post(gateway + ORDERS, headers=headers, content=body)

    first = await asyncio.to_thread(post)
    replay = await asyncio.to_thread(post)
    assert first.status_code == 422, first.text
    assert replay.status_code == 401 and _code(replay) == "nonce_reused"


async def test_the_same_nonce_in_another_app_is_not_a_replay(
    gateway: str, database: Database, open_settings: Settings, app: IssuedApp
) -> None:
    other = await make_app(database, open_settings, app.tenant_id, name="另一个")
    nonce = "n" * 32
    for each in (app, other):
        headers = signed_headers(
            each.app_key, each.app_secret, "GET", CATEGORIES, "", b"", nonce=nonce
        )
        assert (await _raw(gateway, headers)).status_code == 200


async def test_an_address_off_the_allow_list_is_refused(
    gateway: str, database: Database, open_settings: Settings, app: IssuedApp
) -> None:
    elsewhere = await make_app(database, open_settings, app.tenant_id, ip_allow=["10.0.0.0/8"])
    response = await _get(gateway, elsewhere)
    assert response.status_code == 401 and _code(response) == "address_not_allowed"
    here = await make_app(database, open_settings, app.tenant_id, ip_allow=["127.0.0.1"])
    assert (await _get(gateway, here)).status_code == 200


async def test_a_route_outside_the_apps_scopes_is_forbidden(
    gateway: str, database: Database, open_settings: Settings, app: IssuedApp
) -> None:
    narrow = await make_app(database, open_settings, app.tenant_id, scopes=[Scope.MESSAGES_READ])
    response = await _get(gateway, narrow)
    assert response.status_code == 403 and _code(response) == "scope_missing"
    assert response.json()["details"] == {"scope": "catalog:read"}


async def test_a_revoked_app_is_refused_from_the_next_request(
    gateway: str, database: Database, app: IssuedApp
) -> None:
    assert (await _get(gateway, app)).status_code == 200
    async with database.platform_transaction() as session:
        await openapi.revoke_app(session, ADMIN, now=datetime.now(UTC), app_key=app.app_key)
    response = await _get(gateway, app)
    assert response.status_code == 401 and _code(response) == "app_key_invalid"


async def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(
    gateway: str, database: Database, open_settings: Settings, app: IssuedApp
) -> None:
    box = load_secret_box(open_settings)
    async with database.platform_transaction() as session:
        issued = await openapi.rotate_secret(
            session, ADMIN, app.app_id, box, now=datetime.now(UTC), overlap=timedelta(hours=1)
        )
    new = IssuedApp(app.app_id, app.app_key, issued.app_secret, app.tenant_id)
    assert (await _get(gateway, app)).status_code == 200
    assert (await _get(gateway, new)).status_code == 200
    async with database.platform_transaction() as session:  # the overlap is over
        await openapi.rotate_secret(
            session, ADMIN, app.app_id, box, now=datetime.now(UTC), overlap=timedelta(0)
        )
    assert _code(await _get(gateway, app)) == "signature_invalid"
    assert _code(await _get(gateway, new)) == "signature_invalid"


async def test_the_secret_is_stored_encrypted(database: Database, app: IssuedApp) -> None:
    from sqlalchemy import text

    async with database.platform_transaction() as session:
        stored = (
            await session.execute(text("SELECT ciphertext FROM open_app_secrets"))
        ).scalar_one()
    assert stored.startswith(b"hive2:") and app.app_secret.encode() not in stored


def test_the_client_sends_the_query_it_signed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = OpenApiClient("http://gw", "ak", "s", transport=httpx.MockTransport(handler))
    client.get("/p", params=[("q", "手机 a+b/c"), ("empty", "")])
    assert seen[0].url.raw_path == b"/p?q=%E6%89%8B%E6%9C%BA%20a%2Bb%2Fc&empty="
