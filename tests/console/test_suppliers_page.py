"""Operators manage suppliers in the console: add (validated, credentials encrypted), disable."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text

from hive.platform.db import Database
from tests.support.console import csrf_token_of as _csrf
from tests.support.console import sign_in as _login


def _add(client: httpx.Client, **fields: str) -> httpx.Response:
    token = _csrf(client, "/admin/suppliers")
    return client.post("/admin/suppliers", data={"csrf_token": token, **fields})


async def test_admin_adds_and_disables_a_vop_supplier(hcm_url: str, database: Database) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        _login(client, "admin", "admin-pass-1")
        added = _add(
            client,
            name="京东VOP",
            kind="vop",
            base_url="http://127.0.0.1:9/",
            client_id="cid",
            client_secret="shh-secret",
            username="u",
            password="pw-secret",
            qps="30",
        )
        assert added.status_code == 303
        page = client.get("/admin/suppliers").text
        assert "京东VOP" in page and "启用" in page
        supplier_id = re.search(r'data-supplier="(\d+)"', page)
        assert supplier_id
        token = _csrf(client, "/admin/suppliers")
        toggled = client.post(
            f"/admin/suppliers/{supplier_id.group(1)}/enabled",
            data={"csrf_token": token, "enabled": "false"},
        )
        assert toggled.status_code == 303
    async with database.platform_transaction() as session:
        row = (
            await session.execute(
                text("SELECT enabled, credentials_encrypted, rate_limits FROM suppliers")
            )
        ).one()
    assert row.enabled is False
    assert b"shh-secret" not in bytes(row.credentials_encrypted)
    assert row.rate_limits == {"*": 30.0}


async def test_bad_supplier_input_is_refused_and_nothing_is_written(
    hcm_url: str, database: Database
) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        _login(client, "admin", "admin-pass-1")
        no_credentials = _add(client, name="x", kind="vop", base_url="http://127.0.0.1:9")
        bad_url = _add(
            client,
            name="y",
            kind="vop",
            base_url="not a url",
            client_id="a",
            client_secret="b",
            username="c",
            password="d",
        )
        bad_rate = _add(client, name="z", kind="warehouse", qps="-5")
        not_a_number = _add(client, name="w", kind="warehouse", qps="fast")
        no_token = client.post("/admin/suppliers", data={"name": "v", "kind": "warehouse"})
    assert no_credentials.status_code == 422
    assert bad_url.status_code == 422
    assert bad_rate.status_code == 422
    assert not_a_number.status_code == 422
    assert no_token.status_code == 403
    async with database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM suppliers")) == 0


def test_tenant_users_cannot_manage_suppliers(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert client.get("/admin/suppliers").status_code == 303
        _login(client, "acme-admin", "acme-pass-1")
        assert client.get("/admin/suppliers").status_code == 403
