"""``GET /open/v1/account`` and ``/open/v1/account/entries`` over real HTTP, signed: a tenant's
app reads its own balances and statement, never another tenant's, and needs ``account:read``."""

from __future__ import annotations

from typing import Any

from hive.billing import freezes
from hive.openapi.scopes import Scope
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.billing import fund, tenant_actor
from tests.support.factories import make_tenant
from tests.support.openapi import IssuedApp, call, make_app


async def _get(url: str, app: IssuedApp, path: str, **params: str) -> tuple[int, Any]:
    response = await call(url, app, "GET", path, params=params)
    return response.status_code, response.json()


async def test_an_app_reads_its_tenants_account_and_statement(
    database: Database, open_settings: Settings, gateway: str
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    await fund(database, acme, 50_000, credit_fen=10_000)
    await fund(database, globex, 99_900)
    async with database.tenant_transaction(acme) as session:
        await freezes.freeze(session, tenant_actor(acme), acme, "SO-7", 55_000)
    app = await make_app(database, open_settings, acme)
    status, account = await _get(gateway, app, "/open/v1/account")
    assert status == 200
    assert account == {
        "currency": "CNY",
        "available_fen": 0,
        "frozen_fen": 50_000,
        "credit_limit_fen": 10_000,
        "credit_available_fen": 5_000,
        "credit_frozen_fen": 5_000,
        "credit_used_fen": 0,
        "spendable_fen": 5_000,
    }
    status, entries = await _get(gateway, app, "/open/v1/account/entries", page_size="2")
    assert status == 200 and entries["total"] == 6 and len(entries["items"]) == 2
    newest = entries["items"][0]
    assert (newest["kind"], newest["reference"], newest["account"]) == (
        "freeze",
        "SO-7",
        "credit.frozen",
    )
    status, rest = await _get(gateway, app, "/open/v1/account/entries", page="3", page_size="2")
    assert [item["kind"] for item in rest["items"]] == ["credit_limit", "top_up"]
    assert all(item["amount_fen"] != 99_900 for item in entries["items"] + rest["items"])


async def test_the_account_needs_its_scope_and_valid_paging(
    database: Database, open_settings: Settings, gateway: str
) -> None:
    acme = await make_tenant(database, "acme")
    no_scope = await make_app(database, open_settings, acme, scopes=[Scope.CATALOG_READ])
    status, body = await _get(gateway, no_scope, "/open/v1/account")
    assert (status, body["code"]) == (403, "scope_missing")
    app = await make_app(database, open_settings, acme, name="对账")
    for params in ({"page": "0"}, {"page_size": "101"}, {"page": "x"}):
        status, body = await _get(gateway, app, "/open/v1/account/entries", **params)
        assert status == 422, (params, body)
