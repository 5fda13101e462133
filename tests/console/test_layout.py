"""The console's frame over real HTTP: the menu each role sees and may open, breadcrumbs, the
返回 link keeping the search, flash messages, locally served front-end libraries."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import httpx
import pytest

from hive.console.menu import collect
from hive.domains import DOMAINS
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user

MENU_LINK = re.compile(r'data-menu="([^"]+)"')
CRUMBS = re.compile(r'<nav class="crumbs".*?</nav>', re.S)
ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"')

# What each role's menu holds, written out here (not read from the permission module).
EXPECTED_MENU = {
    "admin": {
        "/",
        "/admin/orders",
        "/admin/catalog/upstream",
        "/admin/catalog/pool",
        "/admin/catalog/rules",
        "/admin/pricing",
        "/admin/catalog/distribution",
        "/admin/suppliers",
        "/admin/supplier-messages",
        "/admin/tenants",
        "/admin/grades",
        "/admin/staff",
        "/admin/accounts",
        "/admin/audit-log",
        "/admin/settings",
        "/admin/jobs",
        "/admin/billing",
        "/account/sessions",
    },
    "operator1": {
        "/",
        "/admin/orders",
        "/admin/catalog/upstream",
        "/admin/catalog/pool",
        "/admin/catalog/rules",
        "/admin/pricing",
        "/admin/catalog/distribution",
        "/admin/suppliers",
        "/admin/supplier-messages",
        "/admin/tenants",
        "/admin/jobs",
        "/admin/billing",
        "/account/sessions",
    },
    "finance1": {
        "/",
        "/admin/orders",
        "/admin/tenants",
        "/admin/catalog/pool",
        "/admin/pricing",
        "/admin/catalog/distribution",
        "/admin/billing",
        "/admin/audit-log",
        "/account/sessions",
    },
    "acme-admin": {
        "/",
        "/workbench/orders",
        "/workbench/cart",
        "/workbench/pool",
        "/workbench/library",
        "/workbench/account",
        "/workbench/apps",
        "/workbench/webhooks",
        "/workbench/team",
        "/account/sessions",
    },
    "acme-user": {
        "/",
        "/workbench/orders",
        "/workbench/cart",
        "/workbench/pool",
        "/workbench/library",
        "/workbench/account",
        "/account/sessions",
    },
}
PASSWORDS = {
    "admin": "admin-pass-1",
    "acme-admin": "acme-pass-1",
}


@pytest.fixture
async def staff(database: Database, accounts: dict[str, int]) -> None:
    await make_user(database, "operator1", "correct-horse-1", role=Role.OPERATOR)
    await make_user(database, "finance1", "correct-horse-1", role=Role.FINANCE)
    await make_user(
        database, "acme-user", "correct-horse-1", role=Role.TENANT_USER, tenant_id=accounts["acme"]
    )


@contextmanager
def _client(url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        password = PASSWORDS.get(username, "correct-horse-1")
        assert sign_in(client, username, password).status_code == 303
        yield client


@pytest.mark.usefixtures("staff", "pool")
def test_each_role_sees_the_menu_it_may_open_and_nothing_else(hcm_url: str) -> None:
    every_page = {entry.href for entry in collect(DOMAINS)}
    for username, expected in EXPECTED_MENU.items():
        with _client(hcm_url, username) as client:
            home = client.get("/")
            assert set(MENU_LINK.findall(home.text)) == expected, username
            for path in sorted(every_page):
                status = client.get(path).status_code
                assert status == (200 if path in expected else 403), (username, path, status)


@pytest.mark.usefixtures("staff")
def test_every_page_keeps_the_language_switch_and_the_menu(hcm_url: str) -> None:
    with _client(hcm_url, "operator1") as client:
        for path in ("/", "/admin/catalog/pool", "/admin/supplier-messages", "/account/sessions"):
            page = client.get(path).text
            assert 'id="language-switch"' in page and 'id="sidenav"' in page, path
            assert 'aria-current="page"' in page, path
        english = client.get("/language", params={"to": "en", "next": "/admin/catalog/pool"})
        assert english.headers["location"] == "/admin/catalog/pool"
        page = client.get("/admin/catalog/pool").text
        assert "Product pool" in page and "Main menu" in page


def test_front_end_libraries_are_served_from_this_site(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        page = client.get("/login").text
        assets = ASSET.findall(page)
        assert {"/static/vendor/pico.min.css", "/static/vendor/htmx.min.js"} <= set(assets)
        for asset in assets:
            assert asset.startswith("/static/"), asset  # no CDN: works offline
            answer = client.get(asset)
            least = 100 if asset.endswith(".svg") else 500  # the icon is small; libraries not
            assert answer.status_code == 200 and len(answer.content) > least, asset
        assert client.get("/static/vendor/echarts.min.js").status_code == 200


async def test_back_link_keeps_the_search_and_a_change_shows_a_flash_once(
    hcm_url: str, pool: Pool
) -> None:
    (product_id,) = await pool.add(Item("华为 智能手机 返回测试", "华为", 3, 99_00))
    search = "/admin/catalog/pool?keyword=%E6%89%8B%E6%9C%BA&brand=%E5%8D%8E%E4%B8%BA&page=1"
    with _client(hcm_url, "admin") as client:
        listing = client.get(search).text
        link = re.search(rf'href="(/admin/catalog/products/{product_id}\?back=[^"]+)"', listing)
        assert link, "the pool links its products with the way back"
        product = client.get(link.group(1).replace("&amp;", "&")).text
        back = re.search(r'<a href="([^"]+)" id="back">', product)
        assert back and unquote(back.group(1).replace("&amp;", "&")) == unquote(search)
        crumbs = CRUMBS.search(product)
        assert crumbs
        for label in ("首页", "商品", "商品底池", "华为 智能手机 返回测试"):
            assert label in crumbs.group(0)
        token = csrf_token_of(client, f"/admin/catalog/products/{product_id}")
        removed = client.post(
            f"/admin/catalog/products/{product_id}/remove",
            data={"csrf_token": token, "back": search},
        )
        assert removed.status_code == 303
        shown = client.get(removed.headers["location"]).text
        assert "商品已移出底池" in shown and 'id="flash"' in shown
        assert unquote(search) in unquote(shown.replace("&amp;", "&"))  # still the way back
        assert "商品已移出底池" not in client.get(removed.headers["location"]).text  # once


def test_a_flash_cookie_can_only_name_known_texts(hcm_url: str) -> None:
    def cookie(key: str, **params: str) -> str:
        payload = json.dumps({"key": key, "level": "success", "params": params})
        return base64.urlsafe_b64encode(payload.encode()).decode()

    with _client(hcm_url, "admin") as client:
        client.cookies.set("hive_flash", cookie("<script>alert(1)</script>"))
        assert 'id="flash"' not in client.get("/").text
        client.cookies.set("hive_flash", cookie("suppliers.done.added"))
        assert "供应商已添加" in client.get("/").text
        client.cookies.set("hive_flash", "not base64 at all")
        assert client.get("/").status_code == 200
