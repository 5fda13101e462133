"""``GET/POST/DELETE /open/v1/webhooks`` over the real gateway: an app subscribes (secret shown
once, stored encrypted, sealed in the idempotency record too), lists and deletes its own
subscriptions; another app's or another tenant's id is 404 and leaks nothing; refused URLs,
types and scopes change nothing; row-level security keeps every webhook table per tenant."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hive.openapi.scopes import Scope
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.factories import make_tenant
from tests.support.openapi import (
    call,
    gateway_settings,
    make_app,
)
from tests.support.webhooks import T0, dispatch_all, hook_settings, raise_price, rows, send_round

WEBHOOKS = "/open/v1/webhooks"
HOOK_URL = "http://127.0.0.1:9/hook"  # loopback is allowed in tests; nothing is sent here
TABLES = ("webhook_subscriptions", "webhook_deliveries", "webhook_attempts", "webhook_notices")


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return hook_settings(gateway_settings(settings), webhook_max_subscriptions_per_app=3)


def _create_body(url: str = HOOK_URL, types: Any = ("product.price_changed",)) -> dict[str, Any]:
    return {"url": url, "event_types": list(types)}


async def test_an_app_subscribes_lists_and_deletes_its_webhooks(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    app = await make_app(database, open_settings, await make_tenant(database, "acme"))
    body = _create_body(
        types=["order.status_changed", "product.price_changed", "order.status_changed"]
    )
    created = await call(gateway, app, "POST", WEBHOOKS, json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["secret"].startswith("whsec_") and len(answer["secret"]) > 40
    assert answer["event_types"] == ["order.status_changed", "product.price_changed"]
    assert (answer["url"], answer["status"]) == (HOOK_URL, "active")
    [stored] = await rows(database, "SELECT secret_ciphertext FROM webhook_subscriptions")
    assert answer["secret"].encode() not in bytes(stored.secret_ciphertext)
    listed = (await call(gateway, app, "GET", WEBHOOKS)).json()["items"]
    assert [w["id"] for w in listed] == [answer["id"]] and "secret" not in listed[0]
    one = await call(gateway, app, "GET", f"{WEBHOOKS}/{answer['id']}")
    assert one.status_code == 200 and "secret" not in one.json()
    deleted = await call(gateway, app, "DELETE", f"{WEBHOOKS}/{answer['id']}")
    assert deleted.json() == {"deleted": 1}
    gone = await call(gateway, app, "GET", f"{WEBHOOKS}/{answer['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "webhook_not_found"
    assert (await call(gateway, app, "GET", WEBHOOKS)).json() == {"items": []}
    audit = await rows(
        database,
        "SELECT action, actor_name FROM audit_log WHERE action LIKE 'webhooks.%' ORDER BY id",
    )
    actor = f"app:{app.app_key}"
    assert [tuple(a) for a in audit] == [
        ("webhooks.subscribe", actor),
        ("webhooks.unsubscribe", actor),
    ]


async def test_a_retried_creation_returns_the_first_answer_with_the_secret_sealed_at_rest(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    app = await make_app(database, open_settings, await make_tenant(database, "acme"))
    first = await call(gateway, app, "POST", WEBHOOKS, json=_create_body(), idempotency_key="k-1")
    again = await call(gateway, app, "POST", WEBHOOKS, json=_create_body(), idempotency_key="k-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (await rows(database, "SELECT count(*) FROM webhook_subscriptions"))[0][0] == 1
    [record] = await rows(database, "SELECT body FROM open_idempotency_records")
    assert first.json()["secret"].encode() not in bytes(record.body)


async def test_another_apps_or_tenants_webhook_is_not_found_and_leaks_nothing(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    ours, sibling = (
        await make_app(database, open_settings, acme),
        await make_app(database, open_settings, acme),
    )
    theirs = await make_app(database, open_settings, globex)
    their_id = (await call(gateway, theirs, "POST", WEBHOOKS, json=_create_body())).json()["id"]
    sibling_id = (await call(gateway, sibling, "POST", WEBHOOKS, json=_create_body())).json()["id"]
    for other in (their_id, sibling_id):
        for method in ("GET", "DELETE"):
            answer = await call(gateway, ours, method, f"{WEBHOOKS}/{other}")
            assert answer.status_code == 404 and answer.json()["code"] == "webhook_not_found"
            assert HOOK_URL not in answer.text
    assert (await call(gateway, ours, "GET", WEBHOOKS)).json() == {"items": []}
    statuses = await rows(database, "SELECT status FROM webhook_subscriptions")
    assert {s.status for s in statuses} == {"active"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_create_body(url="http://example.com/hook"), "webhook_url_invalid"),
        (_create_body(url="https://user:pw@example.com/hook"), "webhook_url_invalid"),
        (_create_body(url="https://10.0.0.1/hook"), "webhook_target_refused"),
        (_create_body(url="https://169.254.169.254/latest/meta-data"), "webhook_target_refused"),
        (_create_body(url="https://[fe80::1]/hook"), "webhook_target_refused"),
        (_create_body(types=["product.exploded"]), "validation_failed"),
        (_create_body(types=[]), "validation_failed"),
        ({**_create_body(), "secret": "mine"}, "validation_failed"),
        ({"event_types": ["product.price_changed"]}, "validation_failed"),
    ],
)
async def test_a_refused_subscription_names_the_problem_and_writes_nothing(
    gateway: str, database: Database, open_settings: Settings, body: dict[str, Any], code: str
) -> None:
    app = await make_app(database, open_settings, await make_tenant(database, "acme"))
    answer = await call(gateway, app, "POST", WEBHOOKS, json=body)
    assert answer.status_code == 422 and answer.json()["code"] == code, answer.text
    assert (await rows(database, "SELECT count(*) FROM webhook_subscriptions"))[0][0] == 0


async def test_an_app_without_the_scope_or_over_its_limit_is_refused(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    tenant = await make_tenant(database, "acme")
    reader = await make_app(database, open_settings, tenant, scopes=[Scope.CATALOG_READ])
    refused = await call(gateway, reader, "GET", WEBHOOKS)
    assert refused.status_code == 403 and refused.json()["code"] == "scope_missing"
    app = await make_app(database, open_settings, tenant)
    for _ in range(3):
        assert (await call(gateway, app, "POST", WEBHOOKS, json=_create_body())).status_code == 201
    over = await call(gateway, app, "POST", WEBHOOKS, json=_create_body())
    assert over.status_code == 409 and over.json()["code"] == "webhook_limit_reached"


async def test_deleting_a_webhook_cancels_what_it_had_pending(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    tenant = await make_tenant(database, "acme")
    app = await make_app(database, open_settings, tenant)
    created = (await call(gateway, app, "POST", WEBHOOKS, json=_create_body())).json()
    await raise_price(database, tenant, 7, 100)
    await dispatch_all(database, 1)
    await call(gateway, app, "DELETE", f"{WEBHOOKS}/{created['id']}")
    assert await send_round(database, open_settings, T0) == 0
    assert [r.status for r in await rows(database, "SELECT status FROM webhook_deliveries")] == [
        "cancelled"
    ]


async def test_row_level_security_keeps_every_webhook_table_per_tenant(
    gateway: str, database: Database, open_settings: Settings
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    app = await make_app(database, open_settings, acme)
    await call(gateway, app, "POST", WEBHOOKS, json=_create_body())
    await raise_price(database, acme, 7, 100)
    await dispatch_all(database, 1)
    await send_round(database, open_settings, T0)  # nobody listens on port 9: an attempt row
    await rows(
        database,
        "INSERT INTO webhook_notices (tenant_id, subscription_id, kind, details) "
        "SELECT tenant_id, id, 'endpoint_paused', '{}' FROM webhook_subscriptions",
    )
    async with database.tenant_transaction(acme) as session:
        for table in TABLES:
            assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == 1, table
    async with database.tenant_transaction(globex) as session:
        for table in TABLES:
            assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
        changed = await session.execute(
            text("UPDATE webhook_subscriptions SET url = 'https://x.example/'")
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(DBAPIError, match="row-level security"):
        async with database.tenant_transaction(globex) as session:
            await session.execute(
                text(
                    "INSERT INTO webhook_notices (tenant_id, subscription_id, kind, details) "
                    "SELECT :acme, id, 'x', '{}' FROM webhook_subscriptions"
                ),
                {"acme": acme},
            )
            # globex cannot even see acme's subscription to point at it: insert a made-up id
            await session.execute(
                text(
                    "INSERT INTO webhook_notices (tenant_id, subscription_id, kind, details) "
                    "VALUES (:acme, 1, 'x', '{}')"
                ),
                {"acme": acme},
            )
