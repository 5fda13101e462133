"""Supplier access and refresh tokens at rest: encrypted like the credentials, carried over by
the migration that introduced it, rewritten by ``hive reencrypt-secrets`` after a rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from hive.platform.config import libpq_url
from hive.platform.crypto import SecretBox, key_id
from hive.platform.db import Database
from hive.platform.migrations import alembic_config, upgrade_to_head
from hive.suppliers import repository, service
from hive.suppliers.types import SearchQuery
from tests.support.factories import ADMIN
from tests.support.vop import SECRET_KEY, SECRETS, AdapterKit, Simulator, register_vop

OLD = SECRET_KEY
TOKENS_ENCRYPTED = "0016"  # the migration that encrypts supplier tokens
NEW = "new-platform-secret-new-platform-secret"


async def _stored(database: Database) -> tuple[bytes, bytes]:
    async with database.platform_transaction() as session:
        row = (
            await session.execute(
                text("SELECT access_token_encrypted, refresh_token_encrypted FROM supplier_tokens")
            )
        ).one()
    return bytes(row[0]), bytes(row[1])


async def test_a_fetched_token_is_stored_encrypted_and_shared(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    supplier_id = await register_vop(database, simulator)
    adapter = await kit.factory().for_supplier_id(supplier_id)
    assert (await adapter.search(SearchQuery(keyword="手机"))).total > 0
    token = adapter._tokens._token  # type: ignore[attr-defined]
    access, refresh = await _stored(database)
    assert token.refresh_token  # the simulator issues both
    for secret, ciphertext in ((token.access_token, access), (token.refresh_token, refresh)):
        assert secret.encode() not in ciphertext
        assert ciphertext.startswith(f"hive2:{key_id(OLD)}:".encode())
        assert SECRETS.decrypt(ciphertext) == secret.encode()
    other = await kit.factory().for_supplier_id(supplier_id)  # another process's manager
    assert await other._tokens.access_token() == token.access_token  # type: ignore[attr-defined]


async def test_an_unreadable_stored_token_is_replaced_not_used(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    supplier_id = await register_vop(database, simulator)
    foreign = SecretBox(NEW)  # a key this platform does not know
    async with database.platform_transaction() as session:
        await repository.save_token(
            session,
            supplier_id,
            access_token_encrypted=foreign.encrypt(b"planted"),
            refresh_token_encrypted=b"",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            refresh_expires_at=None,
        )
    adapter = await kit.factory().for_supplier_id(supplier_id)
    assert (await adapter.search(SearchQuery(keyword="手机"))).total > 0
    access, _refresh = await _stored(database)
    assert SECRETS.decrypt(access) != b"planted"


async def test_reencrypting_moves_tokens_to_the_new_key_and_drops_unreadable_ones(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    readable = await register_vop(database, simulator, name="京东VOP")
    lost = await register_vop(database, simulator, name="京东VOP-2")
    adapter = await kit.factory().for_supplier_id(readable)
    await adapter.search(SearchQuery(keyword="手机"))  # a token under OLD
    async with database.platform_transaction() as session:
        await repository.save_token(
            session,
            lost,
            access_token_encrypted=SecretBox("x" * 40).encrypt(b"t"),  # no known key
            refresh_token_encrypted=b"",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            refresh_expires_at=None,
        )
    rotated = SecretBox(NEW, previous=[OLD])
    async with database.platform_transaction() as session:
        assert await service.reencrypt_tokens(session, ADMIN, rotated) == 2
    access, refresh = await _stored(database)
    new_only = SecretBox(NEW)
    assert new_only.is_current(access) and new_only.is_current(refresh)
    assert new_only.decrypt(access) == adapter._tokens._token.access_token.encode()  # type: ignore[attr-defined]
    async with database.platform_transaction() as session:
        assert await repository.get_token(session, lost) is None
        audit = await session.scalar(
            text("SELECT details FROM audit_log WHERE action = 'supplier.tokens_reencrypt'")
        )
        assert audit == {"key_id": key_id(NEW), "rewritten": [readable], "dropped": [lost]}
        assert await service.reencrypt_tokens(session, ADMIN, rotated) == 0  # idempotent


def _plaintext_token_row(database_url: str, supplier_id: int) -> None:
    """Migrate down to before the tokens were encrypted and store one the old way."""
    config = alembic_config(database_url, SECRETS)
    before = ScriptDirectory.from_config(config).get_revision(TOKENS_ENCRYPTED).down_revision
    assert isinstance(before, str)
    command.downgrade(config, before)
    url = libpq_url(database_url).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO supplier_tokens (supplier_id, access_token, refresh_token, "
                    "expires_at) VALUES (:s, 'plain-access', 'plain-refresh', now())"
                ),
                {"s": supplier_id},
            )
    finally:
        engine.dispose()


async def _migrated_from_clear(
    database: Database, database_url: str, simulator: Simulator, secrets: SecretBox | None
) -> None:
    """A token stored in clear before the migration, then the migration, with ``secrets``."""
    supplier_id = await register_vop(database, simulator)
    await database.dispose()
    _plaintext_token_row(database_url, supplier_id)
    upgrade_to_head(database_url, secrets)


async def test_the_migration_encrypts_tokens_stored_in_clear(
    database: Database, database_url: str, simulator: Simulator
) -> None:
    await _migrated_from_clear(database, database_url, simulator, SECRETS)
    access, refresh = await _stored(database)
    assert SECRETS.decrypt(access) == b"plain-access"
    assert SECRETS.decrypt(refresh) == b"plain-refresh"
    assert b"plain" not in access + refresh


async def test_migrated_without_the_key_plaintext_tokens_are_dropped(
    database: Database, database_url: str, simulator: Simulator
) -> None:
    # a bare upgrade: no secret box to encrypt with
    await _migrated_from_clear(database, database_url, simulator, None)
    async with database.platform_transaction() as session:
        count = await session.scalar(text("SELECT count(*) FROM supplier_tokens"))
        columns = (
            await session.scalars(
                text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'supplier_tokens' ORDER BY column_name"
                )
            )
        ).all()
    assert count == 0
    assert "access_token" not in columns and "access_token_encrypted" in columns
