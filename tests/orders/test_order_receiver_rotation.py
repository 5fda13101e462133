"""Receivers across a key rotation: readable through HIVE_PREVIOUS_SECRET_KEYS, re-encrypted
under the current key in committed batches by `hive orders reencrypt-receivers`, which carries
on where an interrupted run stopped and refuses (exit 2, no traceback) a receiver no key opens."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from hive.orders.acceptance import accept_order
from hive.orders.personal import Receiver, decrypt_receiver
from hive.orders.receivers import reencrypt_batch, reencrypt_receivers
from hive.platform.crypto import SecretBox, SecretUnreadable
from hive.platform.db import Database
from tests.orders.test_order_acceptance import Shop, buyer, request, shop, world

__all__ = ["shop", "world"]
OLD = "old-receiver-secret-old-receiver-secret"
NEW = "new-receiver-secret-new-receiver-secret"
OTHER = "some-other-secret-some-other-secret-xx"
RECEIVER = Receiver(name="张三", mobile="13800000000", address="建国路 88 号 3 单元 502")


async def _place(shop: Shop, box: SecretBox, *numbers: str) -> None:
    for number in numbers:
        async with shop.world.database.platform_transaction() as session:
            await accept_order(session, buyer(shop.tenant), shop.tenant, request(shop, number), box)


async def _ciphers(database: Database) -> list[bytes]:
    async with database.platform_transaction() as session:
        rows = await session.execute(text("SELECT receiver_cipher FROM orders ORDER BY id"))
        return [bytes(row[0]) for row in rows.all()]


async def test_every_receiver_moves_to_the_current_key_in_batches(shop: Shop) -> None:
    db = shop.world.database
    await _place(shop, SecretBox(OLD), "PO-1", "PO-2", "PO-3")
    rotated = SecretBox(NEW, [OLD])
    async with db.platform_transaction() as session:  # a run interrupted after one batch
        assert (await reencrypt_batch(session, rotated, 0, 1))[0] == 1
    done = await reencrypt_receivers(db, rotated, batch_size=2)
    assert (done.rewritten, done.batches) == (2, 1)
    for cipher in await _ciphers(db):
        assert decrypt_receiver(cipher, SecretBox(NEW)) == RECEIVER  # the old key is not needed
    again = await reencrypt_receivers(db, rotated)
    assert (again.rewritten, again.batches) == (0, 0)


async def test_a_receiver_no_key_opens_stops_the_run_after_the_batches_before_it(
    shop: Shop,
) -> None:
    db = shop.world.database
    await _place(shop, SecretBox(OLD), "PO-1")
    await _place(shop, SecretBox(OTHER), "PO-2")
    with pytest.raises(SecretUnreadable):
        await reencrypt_receivers(db, SecretBox(NEW, [OLD]), batch_size=1)
    first, second = await _ciphers(db)
    assert SecretBox(NEW).is_current(first) and not SecretBox(NEW).is_current(second)


def _cli(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hive", "orders", "reencrypt-receivers", "--batch-size", "1"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_cli_reencrypts_with_the_configured_keys(
    shop: Shop, database_url: str, tmp_path: Path
) -> None:
    await _place(shop, SecretBox(OLD), "PO-1", "PO-2")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {
        "HIVE_DATABASE_URL": database_url,
        "HIVE_DATA_DIR": str(tmp_path),
        "HIVE_SECRET_KEY": NEW,
    }
    refused = await asyncio.to_thread(_cli, env, tmp_path)  # the old key not listed
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "cannot be decrypted" in refused.stderr
    env["HIVE_PREVIOUS_SECRET_KEYS"] = OLD
    result = await asyncio.to_thread(_cli, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 2 receivers in 2 batches" in result.stdout
    assert all(SecretBox(NEW).is_current(c) for c in await _ciphers(shop.world.database))
