"""Statements on the driver's connection (hive.platform.driver): they are part of the unit of
work they run in — its transaction, its role and tenant — and see what the session wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import bindparam, column, select, table, text
from sqlalchemy.dialects.postgresql import JSONB

from hive.billing import repository as billing
from hive.platform import driver
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from tests.support.factories import make_tenant


class Boom(Exception):
    pass


ACCOUNT_TENANTS = driver.Statement(text("SELECT DISTINCT tenant_id FROM accounts"))
INSERT_PROBE = driver.Statement(text("INSERT INTO driver_probe VALUES (:name)"))
PROBE_NAMES = driver.Statement(text("SELECT name FROM driver_probe ORDER BY name"))


@pytest.fixture
async def one_connection(settings: Settings) -> AsyncIterator[Database]:
    """A pooled database with a single connection: every unit of work reuses it."""
    one = settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0})
    database = Database(create_engine(settings.database_url, one))
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE driver_probe (name text)"))
        await connection.execute(text("GRANT ALL ON driver_probe TO hive_platform"))
    try:
        yield database
    finally:
        await database.dispose()


async def _names(database: Database) -> list[str]:
    async with database.platform_transaction() as session:
        return [str(name) for (name,) in await driver.fetch_all(session, PROBE_NAMES, {})]


async def test_a_rolled_back_unit_of_work_keeps_none_of_its_driver_statements(
    one_connection: Database,
) -> None:
    database = one_connection
    with pytest.raises(Boom):
        async with database.platform_transaction() as session:
            await driver.execute(session, INSERT_PROBE, {"name": "lost"})
            raise Boom
    async with database.platform_transaction() as session:
        await driver.execute(session, INSERT_PROBE, {"name": "kept"})
        # the session's own statements see it: one transaction, one connection
        seen = await session.scalar(text("SELECT count(*) FROM driver_probe"))
        assert seen == 1
    assert await _names(database) == ["kept"]


async def test_the_next_transaction_of_a_session_uses_its_own_connection(
    database: Database,
) -> None:
    """The driver's connection is remembered per transaction: after a commit, the session's
    next transaction may be on another connection, and its statements go there."""
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE driver_probe (name text)"))
        await connection.execute(text("GRANT ALL ON driver_probe TO hive_platform"))
    async with database.sessions() as session:
        async with session.begin():
            await driver.execute(session, INSERT_PROBE, {"name": "first"})
        # the connection just used goes to someone else; the next transaction gets another
        async with database.engine.connect() as other:
            await other.execute(text("SELECT 1"))
            async with session.begin():
                await driver.execute(session, INSERT_PROBE, {"name": "second"})
            await other.rollback()
    assert await _names(database) == ["first", "second"]


async def test_pending_orm_changes_are_flushed_before_a_driver_statement(
    database: Database,
) -> None:
    tenant = await make_tenant(database, "flush")
    async with database.platform_transaction() as session:
        await billing.ensure_account(session, tenant, "balance")
    async with database.platform_transaction() as session:
        account = await billing.find_account(session, tenant, "balance")
        assert account is not None
        account.available_fen = 700  # pending in the session, not yet sent
        row = await driver.fetch_one(
            session,
            driver.Statement(text("SELECT available_fen FROM accounts WHERE id = :id")),
            {"id": account.id},
        )
        assert row == (700,)


async def test_driver_statements_run_as_the_tenant_under_row_level_security(
    database: Database,
) -> None:
    """Run in a tenant's unit of work, a query without any tenant filter sees that tenant's
    rows only (the role and setting of the transaction hold on the driver's connection)."""
    ours, theirs = await make_tenant(database, "ours"), await make_tenant(database, "theirs")
    async with database.platform_transaction() as session:
        for tenant in (ours, theirs):
            await billing.ensure_account(session, tenant, "balance")
        everyone = await driver.fetch_all(session, ACCOUNT_TENANTS, {})
        assert {ours, theirs} <= {tenant for (tenant,) in everyone}
    async with database.tenant_transaction(ours) as session:
        assert await driver.fetch_all(session, ACCOUNT_TENANTS, {}) == [(ours,)]


def test_a_statement_whose_parameters_need_sqlalchemy_processing_is_refused() -> None:
    probe = table("driver_probe", column("details", JSONB))
    with pytest.raises(ValueError, match="details"):
        driver.Statement(select(probe).where(probe.c.details == bindparam("details", type_=JSONB)))


def test_constants_the_statement_binds_itself_are_sent_with_it() -> None:
    probe = table("driver_probe", column("name"))
    statement = driver.Statement(select(probe).where(probe.c.name != "x"))
    assert list(statement.parameters({}).values()) == ["x"]
