"""Rate limits: a token bucket per app and route group, refusing with 429 and Retry-After when
empty, headers on every answer; one limit shared by several gateway processes, whether the
buckets live in PostgreSQL or in Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from hive.openapi import service as openapi
from hive.openapi.rate_limit import Limit, outcome_of
from hive.openapi.schemas import RateLimitSet
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import ADMIN, make_grade, make_tenant
from tests.support.openapi import (
    IssuedApp,
    client_for,
    gateway_processes,
    make_app,
)
from tests.support.services import REDIS_URL, require_server

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

CATEGORIES = "/open/v1/categories"


def test_the_numbers_are_whole_seconds_and_deltas() -> None:
    allowed = outcome_of(Limit(rate_per_s=2, burst=10), tokens_left=3.5, allowed=True)
    assert (allowed.limit, allowed.remaining, allowed.retry_after_s, allowed.reset_s) == (
        10,
        3,
        0,
        4,
    )
    refused = outcome_of(Limit(rate_per_s=2, burst=10), tokens_left=0.25, allowed=False)
    assert (refused.remaining, refused.retry_after_s, refused.reset_s) == (0, 1, 5)
    slow = outcome_of(Limit(rate_per_s=0.1, burst=3), tokens_left=0.5, allowed=False)
    assert (slow.retry_after_s, slow.reset_s) == (5, 25)


async def _limited_app(database: Database, settings: Settings, burst: int) -> IssuedApp:
    app = await make_app(database, settings, await make_tenant(database, "acme"))
    async with database.platform_transaction() as session:
        limit = RateLimitSet(rate_per_s=0.01, burst=burst)
        await openapi.set_app_rate_limit(session, ADMIN, app.app_key, limit)
    return app


def _burst(urls: list[str], app: IssuedApp, requests: int) -> list[httpx.Response]:
    """``requests`` signed GETs, spread over the gateways in turn."""
    clients = [client_for(url, app) for url in urls]
    try:
        return [clients[i % len(clients)].get(CATEGORIES) for i in range(requests)]
    finally:
        for client in clients:
            client.close()


async def test_a_burst_beyond_the_bucket_is_refused_with_retry_after(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    app = await _limited_app(database, open_settings, burst=3)
    responses = await asyncio.to_thread(_burst, [gateway], app, 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in responses} == {"3"}
    refused = responses[3]
    assert refused.json()["code"] == "rate_limited"
    retry_after = int(refused.headers["Retry-After"])  # whole seconds
    assert 1 <= retry_after <= 100  # one token at 0.01/s takes at most 100 s
    assert int(refused.headers["X-RateLimit-Reset"]) <= 300  # a delta, never an epoch
    assert "Retry-After" not in responses[0].headers


def _rate_headers(response: httpx.Response) -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        response.headers[name]
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
    )


async def test_route_groups_have_their_own_buckets_and_every_answer_has_the_headers(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    """Errors of a route (404, 422 for a parameter out of range and for an unknown one)
    take their token and carry the headers like a 200; emptying the catalog bucket leaves the
    messages and library buckets of the same app full."""
    app = await _limited_app(database, open_settings, burst=4)

    def run() -> list[httpx.Response]:
        with client_for(gateway, app) as client:
            return [
                client.get("/open/v1/products/999999"),
                client.get("/open/v1/products", params=[("page_size", "1000")]),
                client.get(CATEGORIES, params=[("stauts", "x")]),
                client.get(CATEGORIES),
                client.get(CATEGORIES),
                client.get("/open/v1/messages", params=[("after", "0")]),
                client.delete("/open/v1/library/items/999999"),
            ]

    responses = await asyncio.to_thread(run)
    codes = [(r.status_code, r.json().get("code")) for r in responses if r.status_code != 200]
    assert [r.status_code for r in responses] == [404, 422, 422, 200, 429, 200, 404], codes
    assert [r.json()["code"] for r in (responses[0], responses[2], responses[4], responses[6])] == [
        "product_not_found",
        "validation_failed",
        "rate_limited",
        "library_item_not_found",
    ]
    # One catalog bucket of 4 drawn down by every answer, errors included.
    assert [_rate_headers(r)[:2] for r in responses[:5]] == [
        ("4", "3"),
        ("4", "2"),
        ("4", "1"),
        ("4", "0"),
        ("4", "0"),
    ]
    # The messages and library groups each have a bucket of their own, full but for this one.
    assert _rate_headers(responses[5])[:2] == ("4", "3")
    assert _rate_headers(responses[6])[:2] == ("4", "3")
    assert all(int(_rate_headers(r)[2]) >= 0 for r in responses)


async def test_without_an_override_the_grade_limit_applies(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    grade_id = await make_grade(database, "银牌")
    async with database.platform_transaction() as session:
        await openapi.set_grade_rate_limit(
            session, ADMIN, grade_id, RateLimitSet(rate_per_s=0.01, burst=2)
        )
    app = await make_app(database, open_settings, await make_tenant(database, "acme", grade_id))
    responses = await asyncio.to_thread(_burst, [gateway], app, 3)
    assert [r.status_code for r in responses] == [200, 200, 429]
    other = await make_app(database, open_settings, app.tenant_id, name="第二个")
    assert (await asyncio.to_thread(_burst, [gateway], other, 1))[0].status_code == 200


@pytest.mark.parametrize("backend", ["postgresql", "redis"])
async def test_two_gateway_processes_share_one_limit(
    backend: str, database: Database, database_url: str, open_settings: Settings, tmp_path: Path
) -> None:
    extra = {}
    if backend == "redis":
        require_server("Redis", REDIS_URL, 6379)
        extra["HIVE_REDIS_URL"] = REDIS_URL
    app = await _limited_app(database, open_settings, burst=5)
    with gateway_processes(2, database_url, tmp_path, **extra) as urls:
        responses = await asyncio.to_thread(_burst, urls, app, 12)
    codes = [r.status_code for r in responses]
    assert codes.count(200) == 5 and codes.count(429) == 7, codes
    assert codes[:5] == [200] * 5  # both processes drew from the one bucket
