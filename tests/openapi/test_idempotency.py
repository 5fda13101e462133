"""Idempotency-Key on POST: the same key and body replay the first answer, another body is
409, a request still running with the key is 409 with its own code (never a 500 or a second
effect), a 5xx is not stored. The record is written in the transaction of the effect."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hive.openapi.idempotency import lock_id
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_grade, make_tenant
from tests.support.openapi import (
    IssuedApp,
    call,
    make_app,
    make_priced_product,
    make_visible,
    sql,
)

PRICES = "/open/v1/prices/query"


@pytest.fixture
async def priced(database: Database, open_settings: Settings) -> tuple[IssuedApp, int]:
    grade_id = await make_grade(database, "金牌")
    app = await make_app(database, open_settings, await make_tenant(database, "acme", grade_id))
    product = await make_priced_product(database, grade_id, 1990, sku="p1")
    await make_visible(database, app.tenant_id, [product], "acme 专享")
    return app, product


async def _post(url: str, app: IssuedApp, body: object, key: str | None) -> httpx.Response:
    return await call(url, app, "POST", PRICES, json=body, idempotency_key=key)


async def _records(database: Database) -> int:
    return int((await sql(database, "SELECT count(*) FROM open_idempotency_records"))[0][0])


async def test_the_same_key_and_body_replay_the_first_answer(
    gateway: str, database: Database, priced: tuple[IssuedApp, int]
) -> None:
    app, product = priced
    first = await _post(gateway, app, {"product_ids": [product, 999]}, "k-1")
    assert first.status_code == 200, first.text
    assert first.json() == {
        "items": [{"product_id": product, "price_fen": 1990}],
        "not_found": [999],
    }
    await sql(database, "UPDATE product_prices SET price_fen = 2990")
    again = await _post(gateway, app, {"product_ids": [product, 999]}, "k-1")
    assert (again.status_code, again.json()) == (200, first.json())  # the first answer
    assert again.headers["Idempotent-Replayed"] == "true"
    fresh = await _post(gateway, app, {"product_ids": [product, 999]}, "k-2")
    assert (
        fresh.json()["items"][0]["price_fen"] == 2990 and "Idempotent-Replayed" not in fresh.headers
    )


async def test_the_same_key_with_another_body_is_a_conflict(
    gateway: str, priced: tuple[IssuedApp, int]
) -> None:
    app, product = priced
    assert (await _post(gateway, app, {"product_ids": [product]}, "k")).status_code == 200
    other = await _post(gateway, app, {"product_ids": [product, 5]}, "k")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


async def test_a_refusal_is_an_answer_and_is_replayed(
    gateway: str, database: Database, priced: tuple[IssuedApp, int]
) -> None:
    app, _ = priced
    refused = await _post(gateway, app, {"product_ids": []}, "k")
    assert refused.status_code == 422
    again = await _post(gateway, app, {"product_ids": []}, "k")
    assert again.status_code == 422 and again.json()["code"] == refused.json()["code"]


async def test_while_the_first_request_runs_a_second_is_told_so(
    gateway: str, database: Database, priced: tuple[IssuedApp, int]
) -> None:
    app, product = priced
    # Hold the key's lock as a first request still running would.
    async with database.platform_transaction() as session:
        from sqlalchemy import text

        route = "/open/v1/prices/query"
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(app.app_id, route, "k")}
        )
        second = await _post(gateway, app, {"product_ids": [product]}, "k")
    assert second.status_code == 409 and second.json()["code"] == "idempotency_in_progress"
    assert await _records(database) == 0  # nothing stored: a retry runs afresh
    assert (await _post(gateway, app, {"product_ids": [product]}, "k")).status_code == 200


async def test_concurrent_requests_with_one_key_give_one_answer_and_no_5xx(
    gateway: str, database: Database, priced: tuple[IssuedApp, int]
) -> None:
    app, product = priced
    answers = await asyncio.gather(
        *(_post(gateway, app, {"product_ids": [product]}, "same") for _ in range(8))
    )
    codes = sorted(r.status_code for r in answers)
    assert set(codes) <= {200, 409} and 200 in codes, codes
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "idempotency_in_progress"
    assert await _records(database) == 1


@pytest.mark.parametrize("key", ["", "x" * 129, "with space", "tab\tkey"])
async def test_a_malformed_key_is_refused(
    gateway: str, priced: tuple[IssuedApp, int], key: str
) -> None:
    app, product = priced
    response = await _post(gateway, app, {"product_ids": [product]}, key)
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_invalid"


async def test_keys_are_scoped_to_the_app(
    gateway: str, database: Database, open_settings: Settings, priced: tuple[IssuedApp, int]
) -> None:
    app, product = priced
    other = await make_app(database, open_settings, app.tenant_id, name="另一个")
    assert (await _post(gateway, app, {"product_ids": [product]}, "k")).status_code == 200
    response = await _post(gateway, other, {"product_ids": [product, 7]}, "k")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
