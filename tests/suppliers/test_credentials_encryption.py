"""Supplier credentials at rest: readable across a key rotation, re-encrypted on request."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hive.platform.actor import Actor
from hive.platform.audit import AuditEntry
from hive.platform.crypto import SecretBox, SecretUnreadable, key_id
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role
from hive.suppliers import service
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.types import SupplierKind
from tests.platform.test_crypto import legacy_ciphertext
from tests.support.factories import ADMIN

OLD = "old-platform-secret-old-platform-secret"
NEW = "new-platform-secret-new-platform-secret"
CREDENTIALS = VopCredentials(client_id="c", client_secret="cs", username="u", password="p")


async def _suppliers(database: Database) -> dict[str, int]:
    """One VOP supplier under the legacy derivation, one under the old key, one warehouse."""
    ids = {}
    async with database.platform_transaction() as session:
        for name in ("legacy", "old"):
            data = SupplierCreate(
                name=name, kind="vop", base_url="http://vop.test", credentials=CREDENTIALS
            )
            ids[name] = (await service.create_supplier(session, ADMIN, data, SecretBox(OLD))).id
        data = SupplierCreate(name="warehouse", kind=SupplierKind.WAREHOUSE)
        ids["warehouse"] = (await service.create_supplier(session, ADMIN, data, SecretBox(OLD))).id
        legacy = legacy_ciphertext(OLD, CREDENTIALS.model_dump_json().encode())
        await session.execute(
            text("UPDATE suppliers SET credentials_encrypted = :c WHERE id = :i"),
            {"c": legacy, "i": ids["legacy"]},
        )
    return ids


async def _stored(database: Database, supplier_id: int) -> bytes:
    async with database.platform_transaction() as session:
        supplier = await service.get_supplier(session, supplier_id)
        return supplier.credentials_encrypted


async def test_reencrypting_moves_every_credential_to_the_current_key(database: Database) -> None:
    ids = await _suppliers(database)
    rotated = SecretBox(NEW, previous=[OLD])
    async with database.platform_transaction() as session:
        for name in ("legacy", "old"):  # both read after the rotation, before re-encrypting
            supplier = await service.get_supplier(session, ids[name])
            assert service.vop_credentials(supplier, rotated) == CREDENTIALS
        assert await service.reencrypt_credentials(session, ADMIN, rotated) == 2

    new_only = SecretBox(NEW)  # the previous key can go now
    for name in ("legacy", "old"):
        stored = await _stored(database, ids[name])
        assert stored.startswith(f"hive2:{key_id(NEW)}:".encode())
        assert new_only.decrypt(stored) == CREDENTIALS.model_dump_json().encode()
    assert await _stored(database, ids["warehouse"]) == b""  # nothing to encrypt there
    async with database.platform_transaction() as session:
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "supplier.credentials_reencrypt")
            )
        ).one()
        assert audit.details == {"key_id": key_id(NEW), "supplier_ids": sorted(ids.values())[:2]}
        assert await service.reencrypt_credentials(session, ADMIN, rotated) == 0  # idempotent


async def test_only_a_platform_admin_reencrypts(database: Database) -> None:
    ids = await _suppliers(database)
    operator = Actor(user_id=None, username="op", role=Role.OPERATOR.value)
    async with database.platform_transaction() as session:
        with pytest.raises(PermissionDenied):
            await service.reencrypt_credentials(session, operator, SecretBox(NEW, [OLD]))
    assert not (await _stored(database, ids["old"])).startswith(f"hive2:{key_id(NEW)}".encode())


async def test_without_the_previous_key_credentials_are_unreadable_not_guessed(
    database: Database,
) -> None:
    ids = await _suppliers(database)
    async with database.platform_transaction() as session:
        supplier = await service.get_supplier(session, ids["old"])
        with pytest.raises(SecretUnreadable):
            service.vop_credentials(supplier, SecretBox(NEW))
        with pytest.raises(SecretUnreadable):  # and nothing is rewritten half-way
            await service.reencrypt_credentials(session, ADMIN, SecretBox(NEW))


def _reencrypt_cli(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hive", "reencrypt-secrets"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_cli_reencrypts_with_the_configured_keys(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    ids = await _suppliers(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {
        "HIVE_DATABASE_URL": database_url,
        "HIVE_DATA_DIR": str(tmp_path),
        "HIVE_SECRET_KEY": NEW,
    }
    unreadable = await asyncio.to_thread(_reencrypt_cli, env, tmp_path)  # old key not listed
    assert unreadable.returncode == 2 and "Traceback" not in unreadable.stderr
    assert "cannot be decrypted" in unreadable.stderr
    assert "nothing was rewritten" in unreadable.stderr
    env["HIVE_PREVIOUS_SECRET_KEYS"] = "too-short"
    refused = await asyncio.to_thread(_reencrypt_cli, env, tmp_path)
    assert refused.returncode == 2
    assert "HIVE_PREVIOUS_SECRET_KEYS must be at least 32 characters" in refused.stderr
    assert not SecretBox(NEW).is_current(await _stored(database, ids["old"]))

    env["HIVE_PREVIOUS_SECRET_KEYS"] = f" {OLD} ,"
    result = await asyncio.to_thread(_reencrypt_cli, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted the credentials of 2 suppliers" in result.stdout
    for name in ("legacy", "old"):
        stored = await _stored(database, ids[name])
        assert SecretBox(NEW).decrypt(stored) == CREDENTIALS.model_dump_json().encode()
