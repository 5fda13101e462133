"""The HTTP conventions every Hive service shares: error bodies, request ids, health, metrics."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, Query

from hive.platform.config import Settings
from hive.platform.errors import Conflict
from hive.platform.http import create_app
from hive.platform.validation import Id
from tests.support.servers import running_server

router = APIRouter()


@router.get("/conflict")
async def conflict() -> None:
    raise Conflict("订单状态不允许 / Order state does not allow this", details={"order": "X1"})


@router.get("/boom")
async def boom() -> None:
    raise ValueError("secret internal detail")


@router.get("/items")
async def items(limit: int = Query(ge=1, le=100)) -> dict[str, int]:
    return {"limit": limit}


@router.get("/items/{item_id}")
async def item(item_id: Id) -> dict[str, int]:
    return {"id": item_id}


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    app = create_app(
        name="test", settings=settings, database_url=settings.database_url, routers=[router]
    )
    with running_server(app) as url:
        yield url


def test_hive_error_answers_code_message_and_request_id(base_url: str) -> None:
    response = httpx.get(f"{base_url}/conflict")
    body = response.json()
    assert response.status_code == 409
    assert body["code"] == "conflict"
    assert body["details"] == {"order": "X1"}
    assert body["request_id"] == response.headers["x-request-id"]


def test_unexpected_error_hides_internals(base_url: str) -> None:
    response = httpx.get(f"{base_url}/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("query", "problem", "params"),
    [
        ("", "required", {}),
        ("?limit=0", "too_small", {"min": 1}),
        ("?limit=abc", "not_an_integer", {}),
        ("?limit=101", "too_large", {"max": 100}),
    ],
)
def test_invalid_input_names_the_field_and_a_problem_code(
    base_url: str, query: str, problem: str, params: dict[str, int]
) -> None:
    response = httpx.get(f"{base_url}/items{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    [found] = body["details"]["problems"]
    assert (found["field"], found["code"], found["params"]) == ("limit", problem, params)


@pytest.mark.parametrize("item_id", ["9223372036854775808", "99999999999999999999", "0", "²"])
def test_an_id_outside_bigint_or_not_in_ascii_digits_is_refused(
    base_url: str, item_id: str
) -> None:
    response = httpx.get(f"{base_url}/items/{item_id}")
    assert response.status_code == 422
    assert response.json()["details"]["problems"][0]["field"] == "item_id"


def test_an_unexpected_error_keeps_the_connection_open(base_url: str) -> None:
    ports: list[object] = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(3):
            response = client.get(
                "/boom",
                extensions={
                    "trace": lambda name, info: (
                        ports.append(info.get("return_value"))
                        if name == "connection.connect_tcp.complete"
                        else None
                    )
                },
            )
            assert response.status_code == 500
            assert response.headers.get("connection") != "close"
    assert len(ports) == 1  # one TCP connection served all three requests


def test_unknown_route_and_method_have_codes(base_url: str) -> None:
    assert httpx.get(f"{base_url}/missing").json()["code"] == "not_found"
    assert httpx.post(f"{base_url}/items").json()["code"] == "method_not_allowed"


def test_sane_incoming_request_id_is_kept_and_odd_one_replaced(base_url: str) -> None:
    kept = httpx.get(f"{base_url}/healthz", headers={"x-request-id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = httpx.get(f"{base_url}/healthz", headers={"x-request-id": "bad id\t<script>"})
    assert replaced.headers["x-request-id"] != "bad id\t<script>"
    assert len(replaced.headers["x-request-id"]) == 16


def test_health_readiness_and_metrics(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}
    httpx.get(f"{base_url}/conflict")
    metrics = httpx.get(f"{base_url}/metrics").text
    assert 'hive_http_requests_total{app="test",method="GET",route="/conflict",status="409"}' in (
        metrics
    )
    assert "hive_http_request_duration_seconds_bucket" in metrics


def test_readiness_fails_when_a_configured_component_is_down(settings: Settings) -> None:
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(name="test", settings=broken, database_url=settings.database_url)
    with running_server(app) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"
