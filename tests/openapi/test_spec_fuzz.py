"""The OpenAPI document describes every /open/v1 route, and hostile input generated from it
(signed, so it reaches the routes) never gets a 5xx: ids beyond BIGINT, negative and huge
numbers, Chinese, control and reserved characters, bodies of the wrong shape.

Most of its requests are refused by validation (422) before a route's code runs; the valid
requests and the boundary values of each schema are test_schemathesis_run.py's coverage phase."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hive.openapi.client import OpenApiClient
from hive.openapi.signature import rfc3986_encode
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_grade, make_tenant
from tests.support.openapi import (
    IssuedApp,
    client_for,
    gateway_settings,
    make_app,
    make_priced_product,
    make_visible,
)

ROUTES = {
    ("GET", "/open/v1/categories"),
    ("GET", "/open/v1/products"),
    ("GET", "/open/v1/products/{product_id}"),
    ("POST", "/open/v1/prices/query"),
    ("POST", "/open/v1/stock/query"),
    ("POST", "/open/v1/library/items"),
    ("DELETE", "/open/v1/library/items/{product_id}"),
    ("GET", "/open/v1/messages"),
}

NUMBERS = st.sampled_from([0, 1, -1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]) | st.integers()
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20
) | st.sampled_from(["手机 华为", "a+b/c?d=e&f", "%00", "\x00", "1e309", "nan", "１２３", " 7 "])
SCALAR = NUMBERS.map(str) | TEXT
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return gateway_settings(settings, open_api_rate_per_s=100_000, open_api_burst=1_000_000)


@pytest.fixture
async def app(database: Database, open_settings: Settings) -> IssuedApp:
    grade = await make_grade(database, "金牌")
    app = await make_app(database, open_settings, await make_tenant(database, "acme", grade))
    product = await make_priced_product(database, grade, 1990, sku="f1")
    await make_visible(database, app.tenant_id, [product], "acme 专享")
    return app


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/open/v1")
        for method, operation in item.items()
    ]


def _value(schema: dict[str, Any], spec: dict[str, Any]) -> st.SearchStrategy[str]:
    """A hostile value, or (as often) a valid one, so that the other parameters of a request
    are valid often enough for one hostile value to reach the code behind them."""
    kinds = [schema, *schema.get("anyOf", [])]
    kinds += [
        spec["components"]["schemas"][kind["$ref"].rsplit("/", 1)[-1]]
        for kind in list(kinds)
        if "$ref" in kind
    ]
    valid = [str(v) for kind in kinds for v in kind.get("enum", [])]
    valid += ["1", "2", "20"] if any(k.get("type") == "integer" for k in kinds) else ["手机"]
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), SCALAR)


def _body(operation: dict[str, Any], spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return st.none()
    ref = content["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = spec["components"]["schemas"][ref]["properties"]
    shaped = st.fixed_dictionaries({name: JSON for name in fields})
    return shaped | JSON


def test_the_document_lists_every_route_with_its_errors(gateway: str) -> None:
    spec = httpx.get(gateway + "/openapi.json").json()
    operations = _operations(spec)
    assert {(method, path) for method, path, _ in operations} >= ROUTES  # others' routes too
    for _, path, operation in operations:
        if path == "/open/v1/images/{name}":  # unsigned on purpose: shops embed these
            assert {"200", "404"} <= set(operation["responses"])
            continue
        assert {"401", "403", "422", "429"} <= set(operation["responses"])
    assert httpx.get(gateway + "/docs").status_code == 200


async def test_generated_requests_never_get_a_5xx(gateway: str, app: IssuedApp) -> None:
    spec = httpx.get(gateway + "/openapi.json").json()
    failures: list[str] = []

    def fuzz(client: OpenApiClient, method: str, path: str, operation: dict[str, Any]) -> None:
        parameters = operation.get("parameters", [])
        path_names = [p["name"] for p in parameters if p["in"] == "path"]

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            path_values=st.fixed_dictionaries({n: SCALAR for n in path_names}),
            query=st.fixed_dictionaries(
                {},
                optional={
                    p["name"]: _value(p["schema"], spec) for p in parameters if p["in"] == "query"
                },
            ),
            body=_body(operation, spec),
        )
        def one(path_values: dict[str, str], query: dict[str, str], body: Any) -> None:
            url = path
            for name, value in path_values.items():
                url = url.replace("{" + name + "}", rfc3986_encode(value) or "0")
            content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
            response = client.request(method, url, params=list(query.items()), content=content)
            if response.status_code >= 500:
                failures.append(f"{method} {url} {query} {body!r}: {response.status_code}")

        one()

    # One client for every example: each request is still signed afresh (its own timestamp and
    # nonce), and a new client per example spent ~60 of the test's ~95 s building httpx clients
    # (an SSL context each), not in the gateway.
    with client_for(gateway, app) as client:
        for method, path, operation in _operations(spec):
            await asyncio.to_thread(fuzz, client, method, path, operation)
    assert failures == []
