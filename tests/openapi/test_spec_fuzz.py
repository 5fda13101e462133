"""The OpenAPI document describes every /open/v1 route, and hostile input generated from it
(signed, so it reaches the routes) never gets a 5xx: ids beyond BIGINT, negative and huge
numbers, NUL, Chinese, control and reserved characters, bodies of the wrong shape.

Each generated request is valid by the schema (schemathesis' positive cases), with the tenant's
real product, price and address filled in, and is sent once for each of its values with that
one value made hostile, so the hostile value gets past the validation of the others to the
code behind it. Broken on purpose (text fields let NUL through), it fails: an invoice title
with NUL reached the database. When every value of a request was drawn hostile at once, nearly
every request was refused for its first bad value and that break passed unseen.
The boundary values of each schema are test_schemathesis_run.py's coverage phase."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.schemas import APIOperation

from hive.openapi.client import OpenApiClient
from hive.openapi.signature import rfc3986_encode
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.openapi import client_for, gateway_settings
from tests.support.orders import OrderWorld, address, order_world, stock_product

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
# The known troublemakers first: Hypothesis draws from the first of several strategies most.
TEXT = st.sampled_from(
    ["\x00", "a\x00b", "手机 华为", "a+b/c?d=e&f", "%00", "1e309", "nan", "１２３", " 7 ", "\u202e"]
) | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
SCALAR = NUMBERS.map(str) | TEXT
JSON = st.recursive(
    NUMBERS | TEXT | st.floats(allow_nan=False) | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return gateway_settings(settings, open_api_rate_per_s=100_000, open_api_burst=1_000_000)


@pytest.fixture
async def world(database: Database, open_settings: Settings) -> OrderWorld:
    """A funded tenant with an app and one warehouse product in its library, in stock."""
    world = await order_world(database, open_settings, balance_fen=100_000_000)
    await stock_product(world, "f1", 1990, 1_000)
    return world


def _known(value: Any, world: OrderWorld) -> Any:
    """``value`` with the world's real product, price and address, and an order number not
    used before, where its fields ask for them, so that a valid request gets past "no such
    product" (or "this order number was used for another order") to the code behind it."""
    if isinstance(value, list):
        return [_known(item, world) for item in value]
    if not isinstance(value, dict):
        return value
    product_id = next(iter(world.products.values()))
    real = {
        "product_id": product_id,
        "product_ids": [product_id],
        "unit_price": world.prices[product_id],
        "quantity": 1,
        "address": address(),
        "order_no": f"FZ-{uuid.uuid4().hex}",  # its own for each request: a repeat is a 409
    }
    known = {k: real.get(k, _known(v, world)) for k, v in value.items()}
    if isinstance(known.get("items"), list):  # the one product, once (a repeat is refused)
        known["items"] = known["items"][:1]
    return known


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/open/v1")
        for method, operation in item.items()
    ]


def _like(value: Any) -> st.SearchStrategy[Any]:
    """A hostile value for where ``value`` was: of its own type for a number or a text (a
    number beyond BIGINT for an id, a NUL for a name), which validation may let through; of
    any shape for an object, a list or the body (a wrong type is refused by the first check,
    so a number or text of another type there would rarely test more)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return NUMBERS
    return TEXT if isinstance(value, str) else JSON


def _spots(value: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where a value can be put in ``value``: itself, and each member and item, nested."""
    yield at
    members = value.items() if isinstance(value, dict) else []
    for key, member in [*members, *enumerate(value if isinstance(value, list) else [])]:
        yield from _spots(member, (*at, key))


def _get(value: Any, at: tuple[str | int, ...]) -> Any:
    return _get(value[at[0]], at[1:]) if at else value


def _put(value: Any, at: tuple[str | int, ...], new: Any) -> Any:
    """``value`` with ``new`` at ``at`` (copied along the way, the rest shared)."""
    if not at:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[at[0]] = _put(value[at[0]], at[1:], new)  # type: ignore[index]
    return copy


Request = tuple[str, dict[str, str], Any]  # (path, query, JSON body or None)


def _hostile(case: Case[Any], data: st.DataObject, world: OrderWorld) -> list[Request]:
    """``case`` (valid by the schema, with the world's real values) once for each of its
    values, with that value, and only that one, made hostile: each path and query parameter,
    each value anywhere in the body (a field, an item, a nested member, the whole body). The
    others stay valid, so the hostile one gets past the validation of the rest to the code
    behind it (with several hostile values at once, nearly every request was refused for the
    first one it met; with one of them chosen by Hypothesis, 23 of 60 were on one field)."""
    path_values = {k: str(v) for k, v in _known(case.path_parameters or {}, world).items()}
    query = {k: str(v) for k, v in _known(case.query or {}, world).items()}
    body: Any = _known(case.body, world) if case.media_type else None
    requests = [
        (_url(case.path, {**path_values, name: data.draw(SCALAR)}), query, body)
        for name in path_values
    ]
    requests += [
        (_url(case.path, path_values), {**query, p.name: data.draw(SCALAR)}, body)
        for p in case.operation.query
    ]
    spots = list(_spots(body)) if case.media_type else []
    requests += [  # each with a body of its own: its own order number
        (_url(case.path, path_values), query, _put(_known(case.body, world), at, hostile))
        for at in spots
        for hostile in [data.draw(_like(_get(body, at)))]
    ]
    return requests or [(_url(case.path, path_values), query, body)]


def _url(path: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        path = path.replace("{" + key + "}", rfc3986_encode(value) or "0")
    return path


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


async def test_generated_requests_never_get_a_5xx(gateway: str, world: OrderWorld) -> None:
    spec = httpx.get(gateway + "/openapi.json").json()
    failures: list[str] = []

    def fuzz(client: OpenApiClient, operation: APIOperation[Any, Any, Any, Any]) -> None:
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), data=st.data())
        def one(case: Case[Any], data: st.DataObject) -> None:
            for url, query, body in _hostile(case, data, world):
                content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
                response = client.request(
                    case.method, url, params=list(query.items()), content=content
                )
                if response.status_code >= 500:
                    failures.append(f"{case.method} {url} {query} {body!r}: {response.status_code}")

        one()

    # One client for every example: each request is still signed afresh (its own timestamp and
    # nonce), and a new client per example spent ~60 of the test's ~95 s building httpx clients
    # (an SSL context each), not in the gateway.
    with client_for(gateway, world.app) as client:
        schema = schemathesis.openapi.from_dict(spec)
        # Deletes last: removing the world's product from the library earlier would make every
        # later order "not orderable", refused before the code behind it.
        for method, path, _ in sorted(_operations(spec), key=lambda o: o[0] == "DELETE"):
            await asyncio.to_thread(fuzz, client, schema[path][method])
    assert failures == []
