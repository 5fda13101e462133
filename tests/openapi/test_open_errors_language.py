"""Open API errors in the caller's language: Chinese by default, English when Accept-Language
prefers it (q-values weighed), the code never changing — for the gateway's own refusals, the
routes' errors and the framework's 404, 405 and 422."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_tenant
from tests.support.openapi import IssuedApp, make_app, signed_request

ENGLISH = {"accept-language": "en-US,en;q=0.9,zh-CN;q=0.8"}


@pytest.fixture
async def app(database: Database, open_settings: Settings) -> IssuedApp:
    return await make_app(database, open_settings, await make_tenant(database, "acme"))


def _unsigned(gateway: str, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.request(method, gateway + path, headers=headers)


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "zh", "en"),
    [
        (
            "GET",
            "/open/v1/categories",
            401,
            "signature_headers_invalid",
            "签名请求头缺失或格式错误",
            "Signature headers missing or malformed",
        ),
        ("GET", "/open/v1/no-such-route", 404, "not_found", "资源不存在", "Not found"),
        (
            "DELETE",
            "/open/v1/categories",
            405,
            "method_not_allowed",
            "不支持此请求方法",
            "Method not allowed",
        ),
    ],
)
def test_refusals_answer_in_the_language_asked_for(
    gateway: str, method: str, path: str, status: int, code: str, zh: str, en: str
) -> None:
    cases = [
        ({}, zh),
        ({"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}, zh),
        (ENGLISH, en),
        ({"accept-language": "zh;q=0.1, en;q=0.2"}, en),
        ({"accept-language": "zh;q=0, *"}, en),
        ({"accept-language": "fr"}, zh),
        ({"accept-language": "en;q=2"}, zh),  # a malformed weight: the entry is ignored
    ]
    for headers, message in cases:
        answer = _unsigned(gateway, method, path, headers)
        body = answer.json()
        assert (answer.status_code, body["code"]) == (status, code), headers
        assert body["message"].startswith(message), (headers, body)
        assert "/" not in body["message"] or message == en, body
        assert answer.headers["content-language"] == ("en" if message == en else "zh")
        assert "accept-language" in answer.headers["vary"].lower()


def _signed(gateway: str, app: IssuedApp, headers: dict[str, str], **request: Any) -> Any:
    return signed_request(gateway, app, headers=headers, **request)


async def test_route_errors_and_validation_answer_in_the_language_asked_for(
    gateway: str, app: IssuedApp
) -> None:
    for headers, not_found, invalid, problem in [
        ({}, "商品不存在或不在您的商品池中", "输入不合法", "product_ids：不合法"),
        (
            ENGLISH,
            "Product not found or not in your pools",
            "Invalid input",
            "product_ids: is not valid",
        ),
    ]:
        missing = await asyncio.to_thread(
            _signed, gateway, app, headers, method="GET", path="/open/v1/products/999"
        )
        assert missing.status_code == 404 and missing.json()["code"] == "product_not_found"
        assert missing.json()["message"] == not_found
        bad = await asyncio.to_thread(
            _signed,
            gateway,
            app,
            headers,
            method="POST",
            path="/open/v1/prices/query",
            json={"product_ids": "x"},
        )
        assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
        assert bad.json()["message"] == invalid
        assert bad.json()["details"]["problems"] == [
            {"field": "product_ids", "code": "invalid", "params": {}, "message": problem}
        ]


async def test_a_stored_refusal_replays_in_the_language_of_the_first_answer(
    gateway: str, app: IssuedApp
) -> None:
    request = {
        "method": "POST",
        "path": "/open/v1/library/items",
        "json": {"product_ids": [123456]},
        "idempotency_key": "lang-1",
    }
    first = await asyncio.to_thread(_signed, gateway, app, ENGLISH, **request)
    again = await asyncio.to_thread(_signed, gateway, app, {}, **request)
    assert first.status_code == again.status_code == 422
    assert first.json()["message"] == again.json()["message"]
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json()["message"].isascii()
