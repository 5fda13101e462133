"""Product pictures in the Open API come from our own address: no answer of any product route
carries the supplier's image host or path, and the addresses it carries fetch the pictures
(unsigned), a placeholder for a product we no longer sell, 404 for a made-up name."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hive.openapi.images import ImageKeys, image_name, parse_name
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_grade, make_tenant
from tests.support.openapi import (
    IssuedApp,
    client_for,
    make_app,
    make_priced_product,
    make_visible,
    running_gateway,
    sql,
)
from tests.support.servers import running_server

MAIN = b"\x89PNG\r\n\x1a\n" + b"main picture" * 10
SECOND = b"\x89PNG\r\n\x1a\n" + b"second picture" * 10
SUPPLIER_PATH = "/jfs/t1/supplier-secret"


async def _picture(request: Request) -> Response:
    pictures = {"main.png": MAIN, "second.png": SECOND}
    content = pictures.get(request.path_params["name"])
    if content is None:
        return Response(status_code=404)
    return Response(content, media_type="image/png")


@pytest.fixture
def supplier_host() -> Iterator[str]:
    """The supplier's image server, as ``localhost`` (the gateway answers on 127.0.0.1)."""
    app = Starlette(routes=[Route(SUPPLIER_PATH + "/{name}", _picture)])
    with running_server(app) as url:
        yield url.replace("127.0.0.1", "localhost")


@dataclass
class Shop:
    app: IssuedApp
    product: int


@pytest.fixture
async def shop(database: Database, open_settings: Settings, supplier_host: str) -> Shop:
    grade = await make_grade(database, "金牌")
    tenant = await make_tenant(database, "acme", grade)
    product = await make_priced_product(database, grade, 1990, sku="img1")
    base = supplier_host + SUPPLIER_PATH
    gallery = [f"{base}/main.png", f"{base}/second.png", f"{base}/missing.png"]
    await sql(
        database,
        "UPDATE products SET image_url = :main, images = CAST(:gallery AS jsonb), "
        'stock = \'{"1": {"state": "in_stock", "remaining": 5}}\' WHERE id = :id',
        main=f"{base}/main.png",
        gallery=json.dumps(gallery),
        id=product,
    )
    await make_visible(database, tenant, [product], "acme 专享")
    app = await make_app(database, open_settings, tenant)
    return Shop(app, product)


def _calls(gateway: str, shop: Shop) -> dict[str, httpx.Response]:
    """One answer of every route that tells about products (the library ones after adding)."""
    wanted: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/open/v1/library/items", {"json": {"product_ids": [shop.product]}}),
        ("GET", "/open/v1/products", {}),
        ("GET", "/open/v1/products", {"params": {"scope": "pool"}}),
        ("GET", f"/open/v1/products/{shop.product}", {}),
        ("POST", "/open/v1/prices/query", {"json": {"product_ids": [shop.product]}}),
        (
            "POST",
            "/open/v1/stock/query",
            {
                "json": {
                    "items": [{"product_id": shop.product, "quantity": 1}],
                    "area": {"province_id": 1, "city_id": 2, "county_id": 3},
                }
            },
        ),
        ("GET", "/open/v1/messages", {}),
    ]
    answers = {}
    with client_for(gateway, shop.app) as client:
        for method, path, options in wanted:
            answers[f"{method} {path} {options}"] = client.request(method, path, **options)
    return answers


async def test_no_answer_names_the_supplier_and_the_pictures_load(
    gateway: str, shop: Shop, supplier_host: str
) -> None:
    answers = await asyncio.to_thread(_calls, gateway, shop)
    for call, response in answers.items():
        assert response.status_code == 200, (call, response.text)
        for secret in ("localhost", supplier_host.rsplit(":", 1)[1], "jfs", "supplier-secret"):
            assert secret not in response.text, (call, response.text)
    detail = answers[f"GET /open/v1/products/{shop.product} {{}}"].json()
    listed = answers["GET /open/v1/products {}"].json()["items"][0]
    assert detail["image_url"] == listed["image_url"]
    assert detail["image_url"].startswith(gateway + "/open/v1/images/")
    assert len(detail["images"]) == 3
    # Unsigned: a shopper's browser fetches these from the tenant's shop.
    main, second, missing = (httpx.get(url) for url in [detail["image_url"], *detail["images"][1:]])
    assert (main.status_code, main.content, main.headers["content-type"]) == (
        200,
        MAIN,
        "image/png",
    )
    assert main.headers["cache-control"] == "public, max-age=86400"
    assert (second.status_code, second.content) == (200, SECOND)
    assert missing.status_code == 200 and missing.headers["content-type"] == "image/svg+xml"


async def test_a_product_we_no_longer_sell_shows_the_placeholder(
    gateway: str, shop: Shop, database: Database
) -> None:
    detail = await asyncio.to_thread(
        lambda: client_for(gateway, shop.app).get(f"/open/v1/products/{shop.product}").json()
    )
    await sql(database, "UPDATE products SET status = 'removed' WHERE id = :id", id=shop.product)
    answer = httpx.get(detail["image_url"])
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "name",
    ["1-0-" + "0" * 24, "abc", "1-0", "0-0-" + "0" * 24, "9" * 20 + "-0-" + "0" * 24, "1-1000-x"],
)
def test_a_name_we_did_not_give_is_not_found(gateway: str, name: str) -> None:
    answer = httpx.get(f"{gateway}/open/v1/images/{name}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "image_not_found"


def test_names_are_unguessable_and_survive_a_key_rotation() -> None:
    old = ImageKeys.from_secrets("o" * 40)
    rotated = ImageKeys.from_secrets("n" * 40, ["o" * 40])
    name = image_name(old, 42, 1)
    assert parse_name(old, name) == (42, 1) and parse_name(rotated, name) == (42, 1)
    assert parse_name(ImageKeys.from_secrets("n" * 40), name) is None
    assert parse_name(old, name.replace("42-1", "43-1")) is None
    assert image_name(rotated, 42, 1) != name


async def test_a_configured_base_serves_the_pictures_from_a_cdn(
    open_settings: Settings, shop: Shop
) -> None:
    cdn = "https://img.example.com/hive/open/v1/images"
    with running_gateway(open_settings.model_copy(update={"open_api_image_base_url": cdn})) as url:
        detail = await asyncio.to_thread(
            lambda: client_for(url, shop.app).get(f"/open/v1/products/{shop.product}").json()
        )
    assert detail["image_url"].startswith(cdn + "/")
    assert all(image.startswith(cdn + "/") for image in detail["images"])
