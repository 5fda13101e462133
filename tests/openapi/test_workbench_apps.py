"""The workbench's apps page: a tenant admin creates an app (secret shown once), the app signs,
rotates and revokes; bad input is refused with the field named and nothing written; a tenant
user may not open the page, and another tenant's app cannot be touched."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.console import i18n
from hive.openapi import workbench as apps_page
from hive.openapi.scopes import ALL_SCOPES
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_tenant, make_user
from tests.support.openapi import (
    IssuedApp,
    client_for,
    make_app,
    running_gateway,
    sql,
)
from tests.support.servers import running_server

PAGE = "/workbench/apps"
PASSWORD = "correct-horse-1"


@pytest.fixture
def urls(open_settings: Settings) -> Iterator[tuple[str, str]]:
    hcm = create_hcm_app(open_settings, open_settings.database_url)
    with running_server(hcm) as console, running_gateway(open_settings) as gateway:
        yield console, gateway


@contextmanager
def _admin(console: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console, follow_redirects=True, timeout=30) as client:
        assert sign_in(client, "acme-admin", PASSWORD).status_code == 200
        yield client


def _create(client: httpx.Client, **form: object) -> httpx.Response:
    data = {"csrf_token": csrf_token_of(client, PAGE), **form}
    return client.post(PAGE, data=data)


def _issued(page: httpx.Response) -> tuple[str, str]:
    key = re.search(r'id="issued-key">([^<]+)<', page.text)
    secret = re.search(r'id="issued-secret">([^<]+)<', page.text)
    assert key and secret, page.text[:500]
    return key.group(1), secret.group(1)


def _signs(gateway: str, key: str, secret: str) -> int:
    with client_for(gateway, IssuedApp(0, key, secret, 0)) as client:
        return client.get("/open/v1/categories").status_code


async def test_a_tenant_admin_creates_rotates_and_revokes_an_app(
    urls: tuple[str, str], database: Database
) -> None:
    console, gateway = urls
    tenant = await make_tenant(database, "acme")
    await make_user(database, "acme-admin", PASSWORD, Role.TENANT_ADMIN, tenant)

    def journey() -> None:
        with _admin(console) as client:
            created = _create(client, name="ERP 对接", scopes=["catalog:read"], ip_allow="")
            assert created.status_code == 200, created.text[:300]
            key, secret = _issued(created)
            assert _signs(gateway, key, secret) == 200
            listed = client.get(PAGE)
            assert key in listed.text and secret not in listed.text  # shown once only
            app_id = re.search(r"/workbench/apps/(\d+)/rotate", listed.text)
            assert app_id
            rotated = client.post(
                f"{PAGE}/{app_id.group(1)}/rotate", data={"csrf_token": csrf_token_of(client, PAGE)}
            )
            new_key, new_secret = _issued(rotated)
            assert new_key == key and new_secret != secret
            assert _signs(gateway, key, new_secret) == 200 and _signs(gateway, key, secret) == 200
            revoked = client.post(
                f"{PAGE}/{app_id.group(1)}/revoke", data={"csrf_token": csrf_token_of(client, PAGE)}
            )
            assert revoked.status_code == 200 and "已吊销" in revoked.text
            assert _signs(gateway, key, new_secret) == 401

    await asyncio.to_thread(journey)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "scopes": ["catalog:read"]}, "应用名称"),
        ({"name": "x", "scopes": []}, "权限范围"),
        ({"name": "x", "scopes": ["orders:all"]}, "权限范围"),
        (
            {"name": "x", "scopes": ["catalog:read"], "ip_allow": "10.0.0.0/8, nonsense"},
            "IP 白名单",
        ),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    urls: tuple[str, str], database: Database, form: dict[str, object], field: str
) -> None:
    console, _ = urls
    tenant = await make_tenant(database, "acme")
    await make_user(database, "acme-admin", PASSWORD, Role.TENANT_ADMIN, tenant)

    def submit() -> httpx.Response:
        with _admin(console) as client:
            return _create(client, **form)

    response = await asyncio.to_thread(submit)
    assert response.status_code == 422 and field in response.text
    assert await sql(database, "SELECT count(*) FROM open_apps") == [(0,)]


async def test_a_tenant_user_cannot_open_it_and_another_tenants_app_is_untouchable(
    urls: tuple[str, str], database: Database, open_settings: Settings
) -> None:
    console, _ = urls
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    await make_user(database, "acme-admin", PASSWORD, Role.TENANT_ADMIN, acme)
    await make_user(database, "acme-user", PASSWORD, Role.TENANT_USER, acme)
    theirs = await make_app(database, open_settings, globex)

    def visit() -> tuple[int, int, str]:
        with httpx.Client(base_url=console, follow_redirects=True, timeout=30) as user:
            sign_in(user, "acme-user", PASSWORD)
            forbidden = user.get(PAGE).status_code
        with _admin(console) as client:
            listed = client.get(PAGE).text
            revoke = client.post(
                f"{PAGE}/{theirs.app_id}/revoke", data={"csrf_token": csrf_token_of(client, PAGE)}
            )
        return forbidden, revoke.status_code, listed

    forbidden, revoke, listed = await asyncio.to_thread(visit)
    assert forbidden == 403 and revoke == 404 and theirs.app_key not in listed
    assert await sql(database, "SELECT status FROM open_apps") == [("active",)]


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_scope_is_named_in_every_language(language: str) -> None:
    """The apps page names scopes by text key ``scope.<value>``: account:read was added without
    one and the page showed the raw key ``scope.account:read``."""
    assert apps_page.router  # importing the page added its texts to the catalogue
    t = i18n.translator(language)
    unnamed = [scope.value for scope in ALL_SCOPES if t(f"scope.{scope}") == f"scope.{scope}"]
    assert unnamed == []


async def test_the_apps_and_webhooks_pages_link_the_gateways_reference_page(
    open_settings: Settings, database: Database
) -> None:
    """A tenant is sent to what it can open, the gateway's own API reference page, with the
    signing explained in the page; no path of Hive's repository (docs/….md) is shown."""
    tenant = await make_tenant(database, "acme")
    await make_user(database, "acme-admin", PASSWORD, Role.TENANT_ADMIN, tenant)

    def walk() -> None:
        with running_gateway(open_settings) as gateway:
            port = httpx.URL(gateway).port
            settings = open_settings.model_copy(update={"hag_port": port})
            hcm = create_hcm_app(settings, settings.database_url)
            with running_server(hcm) as console, _admin(console) as client:
                for path in (PAGE, "/workbench/webhooks"):
                    page = client.get(path).text
                    assert ".md" not in page and "docs/" not in page, path
                    link = re.search(r'<a href="([^"]+)" id="api-docs"', page)
                    assert link, path
                    reference = httpx.get(link[1], timeout=30)
                    assert reference.status_code == 200 and "swagger-ui" in reference.text

    await asyncio.to_thread(walk)
