"""How a unit of work opens: BEGIN and its role in one pipeline (explicit BEGIN, the driver in
autocommit meanwhile). What must hold: the work is one transaction (all or nothing), the role
and tenant end with it, and a connection back in the pool is a transactional one again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from hive.platform.config import Settings
from hive.platform.db import TENANT_ROLE, Database, create_engine
from tests.support.factories import make_tenant


class Boom(Exception):
    pass


@pytest.fixture
async def one_connection(settings: Settings) -> AsyncIterator[Database]:
    """A pooled database with a single connection: every unit of work reuses it."""
    one = settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0})
    database = Database(create_engine(settings.database_url, one))
    try:
        yield database
    finally:
        await database.dispose()


async def _names(database: Database) -> set[str]:
    async with database.platform_transaction() as session:
        rows = await session.execute(text("SELECT name FROM opening_probe"))
        return set(rows.scalars())


async def test_a_failed_unit_of_work_leaves_none_of_its_writes(one_connection: Database) -> None:
    database = one_connection
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE opening_probe (name text)"))
        await connection.execute(text("GRANT ALL ON opening_probe TO hive_platform"))
    with pytest.raises(Boom):
        async with database.platform_transaction() as session:
            await session.execute(text("INSERT INTO opening_probe VALUES ('first')"))
            await session.execute(text("INSERT INTO opening_probe VALUES ('second')"))
            raise Boom
    assert await _names(database) == set()
    async with database.platform_transaction() as session:
        await session.execute(text("INSERT INTO opening_probe VALUES ('kept')"))
    assert await _names(database) == {"kept"}


async def test_the_pooled_connection_comes_back_transactional_and_without_role(
    one_connection: Database,
) -> None:
    database = one_connection
    tenant = await make_tenant(database, "opening")
    who = text("SELECT current_user, current_setting('hive.tenant_id', true)")
    async with database.tenant_transaction(tenant) as session:
        assert tuple((await session.execute(who)).one()) == (TENANT_ROLE, str(tenant))
    async with database.engine.connect() as connection:
        raw: Any = (await connection.get_raw_connection()).driver_connection
        assert raw.autocommit is False
        user, setting = (await connection.execute(who)).one()
        assert user != TENANT_ROLE
        assert setting in (None, "")
        await connection.rollback()


async def test_statements_queued_first_run_before_the_transaction_in_its_round_trip(
    one_connection: Database,
) -> None:
    """``first`` goes out before BEGIN: its own short transaction commits even when the unit
    of work after it rolls back."""
    database = one_connection
    tenant = await make_tenant(database, "first")
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE opening_probe (name text)"))
        await connection.execute(text("GRANT ALL ON opening_probe TO hive_platform"))

    async def first(raw: Any) -> None:
        await raw.execute("BEGIN")
        await raw.execute("SET LOCAL ROLE hive_platform")
        await raw.execute("INSERT INTO opening_probe VALUES ('first')")
        await raw.execute("COMMIT")

    with pytest.raises(Boom):
        async with database.tenant_transaction(tenant, first=first) as session:
            user = await session.scalar(text("SELECT current_user"))
            raise Boom
    assert user == TENANT_ROLE
    assert await _names(database) == {"first"}
