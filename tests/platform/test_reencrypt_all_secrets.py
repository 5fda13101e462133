"""``hive reencrypt-secrets`` after a key rotation also moves Open API app secrets and webhook
subscription secrets to the new key, or, when one is under a key nobody listed, changes nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from hive.openapi import service as openapi
from hive.openapi.rate_limit import Limit
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox, SecretUnreadable
from hive.platform.db import Database
from tests.support.factories import make_tenant
from tests.support.openapi import (
    IssuedApp,
    client_for,
    gateway_settings,
    make_app,
    running_gateway,
    sql,
)
from tests.support.webhooks import Receiver, hook_settings, running_receiver, subscribe

OLD = "old-platform-secret-old-platform-secret"
NEW = "new-platform-secret-new-platform-secret"
UNKNOWN = "lost-platform-secret-lost-platform-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def _issued(
    database: Database, settings: Settings, receiver: Receiver
) -> tuple[IssuedApp, int, str]:
    """An app and a webhook subscription of it, both made under the OLD key."""
    old = hook_settings(settings, secret_key=SecretStr(OLD))
    tenant = await make_tenant(database, "acme")
    app = await make_app(database, old, tenant)
    subscription, secret = await subscribe(database, old, tenant, app.app_id, receiver.at("/h"))
    return app, subscription, secret


def _cli(database_url: str, cwd: Path, previous: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {
        "HIVE_DATABASE_URL": database_url,
        "HIVE_DATA_DIR": str(cwd),
        "HIVE_SECRET_KEY": NEW,
        "HIVE_PREVIOUS_SECRET_KEYS": previous,
    }
    return subprocess.run(
        [sys.executable, "-m", "hive", "reencrypt-secrets"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _ciphertexts(database: Database) -> list[bytes]:
    app_secrets = await sql(database, "SELECT ciphertext FROM open_app_secrets ORDER BY id")
    hooks = await sql(database, "SELECT secret_ciphertext FROM webhook_subscriptions ORDER BY id")
    return [bytes(row[0]) for row in app_secrets + hooks]


async def test_app_and_webhook_secrets_move_to_the_new_key(
    database: Database, database_url: str, settings: Settings, receiver: Receiver, tmp_path: Path
) -> None:
    app, subscription, secret = await _issued(database, settings, receiver)
    new_only = SecretBox(NEW)
    [(before,)] = await sql(database, "SELECT ciphertext FROM open_app_secrets")
    with pytest.raises(SecretUnreadable):  # before the run, the new key alone reads nothing
        new_only.decrypt(bytes(before))

    result = await asyncio.to_thread(_cli, database_url, tmp_path, OLD)
    assert result.returncode == 0, result.stderr
    assert "1 app secrets and 1 webhook secrets" in result.stdout

    async with database.platform_transaction() as session:  # what the gateway checks against
        found = await openapi.app_credentials(
            session, app.app_key, new_only, now=datetime.now(UTC), default_limit=Limit(10, 10)
        )
    assert found is not None and found.secrets == (app.app_secret,)
    [(stored,)] = await sql(
        database,
        "SELECT secret_ciphertext FROM webhook_subscriptions WHERE id = :i",
        i=subscription,
    )
    assert new_only.decrypt(bytes(stored)).decode() == secret

    again = await asyncio.to_thread(_cli, database_url, tmp_path, OLD)  # idempotent
    assert "0 app secrets and 0 webhook secrets" in again.stdout


@pytest.mark.parametrize("table", ["open_app_secrets", "webhook_subscriptions"])
async def test_a_secret_under_an_unknown_key_makes_the_run_change_nothing(
    database: Database,
    database_url: str,
    settings: Settings,
    receiver: Receiver,
    tmp_path: Path,
    table: str,
) -> None:
    await _issued(database, settings, receiver)
    column = "ciphertext" if table == "open_app_secrets" else "secret_ciphertext"
    lost = SecretBox(UNKNOWN).encrypt(b"whsec_lost")
    await sql(database, f"UPDATE {table} SET {column} = :c", c=lost)
    before = await _ciphertexts(database)

    result = await asyncio.to_thread(_cli, database_url, tmp_path, OLD)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nothing was rewritten" in result.stderr
    assert await _ciphertexts(database) == before  # the readable one is still under OLD too
    assert not any(SecretBox(NEW).is_current(c) for c in before)


async def test_a_webhook_creation_replayed_after_the_rotation_answers_as_the_first_did(
    database: Database, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    """The replay's secret comes from the subscription, which the CLI moves to the new key; the
    idempotency record keeps none, so the old key can go."""
    old = hook_settings(gateway_settings(settings, secret_key=SecretStr(OLD)))
    app = await make_app(database, old, await make_tenant(database, "acme"))
    body = {"url": "http://127.0.0.1:9/hook", "event_types": ["product.price_changed"]}

    def create(url: str) -> httpx.Response:
        with client_for(url, app) as client:
            return client.post("/open/v1/webhooks", json=body, idempotency_key="create-1")

    with running_gateway(old) as url:
        first = await asyncio.to_thread(create, url)
    assert first.status_code == 201, first.text
    [record] = await sql(database, "SELECT body FROM open_idempotency_records")
    assert first.json()["secret"].encode() not in bytes(record.body)
    assert b"sealed" not in bytes(record.body)

    done = await asyncio.to_thread(_cli, database_url, tmp_path, OLD)
    assert done.returncode == 0, done.stderr

    new = hook_settings(gateway_settings(settings, secret_key=SecretStr(NEW)))
    with running_gateway(new) as url:
        again = await asyncio.to_thread(create, url)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
