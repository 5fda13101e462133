"""The pool pages over real HTTP: search the pool, open a product, pause and remove it."""

from __future__ import annotations

import re

import httpx

from hive.catalog import reference
from hive.catalog.selection import service as selection
from tests.catalog.selection.conftest import AREAS, World
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import ADMIN


async def test_operator_searches_the_pool_and_changes_a_product(hcm: str, world: World) -> None:
    await reference.sync_categories(world.database, world.adapter)
    skus = await world.orderable_skus("手机", 4)
    await selection.select_skus(world.database, world.adapter, ADMIN, skus, stock_areas=AREAS)
    with httpx.Client(base_url=hcm, timeout=30) as client:
        sign_in(client, "operator1", "operator-pass-1")
        found = client.get("/admin/catalog/pool", params={"keyword": "手机", "sort": "price_asc"})
        assert found.status_code == 200
        ids = re.findall(r'<tr data-product="(\d+)">', found.text)
        assert len(ids) == 4
        assert "共 4 件" in found.text
        product = client.get(f"/admin/catalog/products/{ids[0]}")
        assert product.status_code == 200
        assert "<td>选品</td>" in product.text  # the history names its source in words
        token = csrf_token_of(client, f"/admin/catalog/products/{ids[0]}")
        paused = client.post(f"/admin/catalog/products/{ids[0]}/pause", data={"csrf_token": token})
        assert paused.status_code == 303
        assert '<span id="status">已暂停</span>' in client.get(paused.headers["location"]).text
        removed = client.post(
            f"/admin/catalog/products/{ids[0]}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 303
        default = client.get("/admin/catalog/pool", params={"keyword": "手机"})
        assert len(re.findall(r'<tr data-product="', default.text)) == 3  # removed is hidden
        only_removed = client.get("/admin/catalog/pool", params={"status": "removed"})
        assert re.findall(r'<tr data-product="(\d+)">', only_removed.text) == [ids[0]]
        refused = client.post(f"/admin/catalog/products/{ids[0]}/pause", data={"csrf_token": token})
        assert refused.status_code == 409
        assert refused.json()["code"] == "invalid_product_status_change"


def test_bad_pool_queries_are_refused(hcm: str) -> None:
    with httpx.Client(base_url=hcm, timeout=30) as client:
        sign_in(client, "operator1", "operator-pass-1")
        for params in (
            {"min_yuan": "abc"},
            {"sort": "random"},
            {"page": "-1"},
            {"page": "0"},
            {"page": "²"},  # a digit to str.isdigit(), not to int()
            {"brand": "华\x00为"},  # PostgreSQL text cannot hold NUL
            {"keyword": "x" * 200},
            {"status": "deleted"},
        ):
            response = client.get("/admin/catalog/pool", params=params)
            assert response.status_code == 422, params
        assert client.get("/admin/catalog/products/999999").status_code == 404
