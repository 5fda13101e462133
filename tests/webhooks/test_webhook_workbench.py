"""The workbench's webhook pages: a tenant admin adds a subscription (secret shown once), reads
the delivery log with codes and answers, replays a delivery (audited), sees the pause notice and
resumes, deletes; bad URLs are refused with the field named and nothing written; a tenant user
may not open the pages and another tenant's ids are 404 with nothing changed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_tenant, make_user
from tests.support.openapi import gateway_settings, make_app
from tests.support.servers import running_server
from tests.support.webhooks import (
    T0,
    Receiver,
    dispatch_all,
    hook_settings,
    raise_price,
    rows,
    running_receiver,
    send_round,
    subscribe,
)

PAGE = "/workbench/webhooks"
PASSWORD = "correct-horse-1"


@pytest.fixture
def hooks(settings: Settings) -> Settings:
    return hook_settings(gateway_settings(settings))


@pytest.fixture
def console(hooks: Settings) -> Iterator[str]:
    with running_server(create_hcm_app(hooks, hooks.database_url)) as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@contextmanager
def _signed_in(console: str, username: str = "acme-admin") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console, follow_redirects=True, timeout=30) as client:
        assert sign_in(client, username, PASSWORD).status_code == 200
        yield client


def _post(client: httpx.Client, path: str, **form: object) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_token_of(client, PAGE), **form})


async def _tenant_with_app(database: Database, hooks: Settings) -> tuple[int, int]:
    tenant = await make_tenant(database, "acme")
    await make_user(database, "acme-admin", PASSWORD, Role.TENANT_ADMIN, tenant)
    return tenant, (await make_app(database, hooks, tenant, name="ERP")).app_id


async def test_a_tenant_admin_subscribes_reads_the_log_and_replays(
    console: str, database: Database, hooks: Settings, receiver: Receiver
) -> None:
    tenant, app_id = await _tenant_with_app(database, hooks)

    def create() -> tuple[str, str]:
        with _signed_in(console) as client:
            form = {
                "app_id": str(app_id),
                "url": receiver.at("/hook"),
                "event_types": ["product.price_changed"],
            }
            created = _post(client, PAGE, **form)
            assert created.status_code == 200, created.text[:500]
            secret = re.search(r'id="issued-secret">([^<]+)<', created.text)
            assert secret and secret.group(1).startswith("whsec_")
            listed = client.get(PAGE).text
            assert receiver.at("/hook") in listed and secret.group(1) not in listed
            assert "商品价格变动" in listed
            found = re.search(r'data-webhook-id="(\d+)"', listed)
            assert found
            return found.group(1), secret.group(1)

    subscription, _ = await asyncio.to_thread(create)
    await raise_price(database, tenant, 7, 100)
    await dispatch_all(database, 1)
    receiver.answer("/hook", 503)
    await send_round(database, hooks, T0)

    def read_and_replay() -> None:
        with _signed_in(console) as client:
            log = client.get(f"{PAGE}/{subscription}/deliveries")
            assert log.status_code == 200 and "发送中" in log.text and "503" in log.text
            assert "no: 503" in log.text  # the receiver's answer, truncated
            assert "/replay" not in log.text  # pending: nothing to replay yet

    await asyncio.to_thread(read_and_replay)
    await send_round(database, hooks, T0 + timedelta(seconds=30))
    [delivery] = await rows(database, "SELECT id, uid, status FROM webhook_deliveries")
    assert delivery.status == "delivered"

    def replay() -> None:
        with _signed_in(console) as client:
            log = client.get(f"{PAGE}/{subscription}/deliveries")
            assert "已送达" in log.text and str(delivery.uid) in log.text
            replayed = _post(client, f"/workbench/webhook-deliveries/{delivery.id}/replay")
            assert replayed.status_code == 200 and "已安排重放" in replayed.text

    await asyncio.to_thread(replay)
    [again] = await rows(database, "SELECT status FROM webhook_deliveries")
    assert again.status == "pending"
    audit = await rows(
        database, "SELECT actor_name FROM audit_log WHERE action = 'webhooks.replay'"
    )
    assert [a.actor_name for a in audit] == ["acme-admin"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"url": "http://example.com/hook"}, "url"),
        ({"url": "https://10.0.0.1/hook"}, "url"),
        ({"url": ""}, "url"),
        ({"app_id": "99999999999999999999"}, "app_id"),
        ({"app_id": "0"}, "app_id"),
        ({"event_types": ["product.exploded"]}, "event_types"),
        ({"event_types": []}, "event_types"),
    ],
)
async def test_refused_input_names_the_field_and_writes_nothing(
    console: str, database: Database, hooks: Settings, form: dict[str, object], field: str
) -> None:
    _, app_id = await _tenant_with_app(database, hooks)
    values = {"app_id": str(app_id), "url": "https://example.com/hook"}
    values |= {"event_types": ["product.price_changed"]} | form

    def submit() -> httpx.Response:
        with _signed_in(console) as client:
            return _post(client, PAGE, **values)

    response = await asyncio.to_thread(submit)
    assert response.status_code == 422 and f'id="f-{field}-error"' in response.text
    assert (await rows(database, "SELECT count(*) FROM webhook_subscriptions"))[0][0] == 0


async def test_a_paused_endpoint_shows_its_notice_until_resumed_then_can_be_deleted(
    console: str, database: Database, hooks: Settings
) -> None:
    tenant, app_id = await _tenant_with_app(database, hooks)
    subscription, _ = await subscribe(database, hooks, tenant, app_id, "http://127.0.0.1:9/hook")
    await rows(database, "UPDATE webhook_subscriptions SET status = 'paused', paused_at = now()")
    await rows(
        database,
        "INSERT INTO webhook_notices (tenant_id, subscription_id, kind, details) "
        "VALUES (:t, :s, 'endpoint_paused', '{\"last_status_code\": 500}')",
        t=tenant,
        s=subscription,
    )

    def journey() -> None:
        with _signed_in(console) as client:
            page = client.get(PAGE).text
            assert f'id="notice-{subscription}"' in page and "HTTP 500" in page and "已暂停" in page
            home = client.get("/").text  # the workbench home tells too
            assert f'id="webhook-notice-{subscription}"' in home and "HTTP 500" in home
            resumed = _post(client, f"{PAGE}/{subscription}/resume")
            assert resumed.status_code == 200 and f'id="notice-{subscription}"' not in resumed.text
            assert f'id="webhook-notice-{subscription}"' not in client.get("/").text
            deleted = _post(client, f"{PAGE}/{subscription}/delete")
            assert deleted.status_code == 200 and "订阅已删除" in deleted.text

    await asyncio.to_thread(journey)
    [row] = await rows(database, "SELECT status FROM webhook_subscriptions")
    assert row.status == "deleted"
    [notice] = await rows(database, "SELECT resolved_at FROM webhook_notices")
    assert notice.resolved_at is not None


async def test_a_tenant_user_is_refused_and_another_tenants_ids_are_not_found(
    console: str, database: Database, hooks: Settings
) -> None:
    acme, _ = await _tenant_with_app(database, hooks)
    await make_user(database, "acme-user", PASSWORD, Role.TENANT_USER, acme)
    globex = await make_tenant(database, "globex")
    theirs = (await make_app(database, hooks, globex)).app_id
    subscription, _ = await subscribe(database, hooks, globex, theirs, "http://127.0.0.1:9/hook")
    await rows(
        database,
        "INSERT INTO webhook_deliveries (uid, tenant_id, subscription_id, event_id, event_type, "
        "entity_type, entity_id, sequence, body, status, attempt_count, round_attempts) VALUES "
        "(gen_random_uuid(), :t, :s, 1, 'product.price_changed', 'product', 7, 1, '{}', "
        "'dead', 1, 1)",
        t=globex,
        s=subscription,
    )
    [delivery] = await rows(database, "SELECT id FROM webhook_deliveries")

    def visit() -> None:
        with _signed_in(console, "acme-user") as client:
            assert client.get(PAGE).status_code == 403
        with _signed_in(console) as client:
            assert client.get(f"{PAGE}/{subscription}/deliveries").status_code == 404
            for path in (
                f"{PAGE}/{subscription}/delete",
                f"{PAGE}/{subscription}/resume",
                f"/workbench/webhook-deliveries/{delivery.id}/replay",
            ):
                assert _post(client, path).status_code == 404, path
            assert _post(client, f"{PAGE}/abc/delete").status_code == 422

    await asyncio.to_thread(visit)
    assert [tuple(r) for r in await rows(database, "SELECT status FROM webhook_subscriptions")] == [
        ("active",)
    ]
    assert [tuple(r) for r in await rows(database, "SELECT status FROM webhook_deliveries")] == [
        ("dead",)
    ]
