"""The migration helpers put a new table under the platform's access rules: a scratch table
made the way a new domain's migration makes one, then crossed as another tenant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, create_engine, pool, text
from sqlalchemy.exc import ProgrammingError

from hive.migrations.helpers import (
    drop_tenant_isolation,
    isolate_tenant_table,
    share_platform_table,
)
from hive.platform.config import libpq_url
from hive.platform.db import Database
from tests.support.factories import make_tenant


@pytest.fixture
def migrating(database_url: str) -> Iterator[Connection]:
    """A connection as the migrating user, with Alembic's ``op`` bound to it."""
    url = libpq_url(database_url).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with (
            engine.begin() as connection,
            Operations.context(MigrationContext.configure(connection)),
        ):
            yield connection
    finally:
        engine.dispose()


def _create(connection: Connection, table: str) -> None:
    connection.execute(
        text(
            f"CREATE TABLE {table} (id BIGSERIAL PRIMARY KEY, "
            "tenant_id BIGINT REFERENCES tenants (id), note TEXT NOT NULL)"
        )
    )


async def test_a_tenant_table_is_closed_to_every_other_tenant(
    migrating: Connection, database: Database
) -> None:
    first = await make_tenant(database, "alpha")
    second = await make_tenant(database, "beta")
    _create(migrating, "probe_orders")
    isolate_tenant_table("probe_orders")
    migrating.commit()
    for tenant in (first, second):
        async with database.tenant_transaction(tenant) as session:
            await session.execute(
                text("INSERT INTO probe_orders (tenant_id, note) VALUES (:t, 'own')"),
                {"t": tenant},
            )
    async with database.platform_transaction() as session:
        await session.execute(text("INSERT INTO probe_orders (note) VALUES ('platform')"))
    async with database.tenant_transaction(first) as session:
        seen = (await session.execute(text("SELECT tenant_id FROM probe_orders"))).scalars()
        assert list(seen) == [first]  # no filter in the query: the policy filters
        changed = await session.execute(
            text("UPDATE probe_orders SET note = 'hijacked' WHERE tenant_id = :t"), {"t": second}
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(first) as session:
            await session.execute(
                text("INSERT INTO probe_orders (tenant_id, note) VALUES (:t, 'forged')"),
                {"t": second},
            )
    async with database.platform_transaction() as session:
        notes = (await session.execute(text("SELECT note FROM probe_orders ORDER BY id"))).all()
    assert [n for (n,) in notes] == ["own", "own", "platform"]


async def test_the_table_owner_is_held_to_the_policy_too(
    migrating: Connection, database_url: str
) -> None:
    """FORCE ROW LEVEL SECURITY: a non-superuser owner would otherwise skip the policy."""
    _create(migrating, "probe_forced")
    isolate_tenant_table("probe_forced")
    flags = migrating.execute(
        text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"),
        {"t": "probe_forced"},
    ).one()
    policies = migrating.execute(
        text("SELECT policyname FROM pg_policies WHERE tablename = 'probe_forced' ORDER BY 1")
    ).scalars()
    assert tuple(flags) == (True, True)
    assert list(policies) == ["probe_forced_platform_access", "probe_forced_tenant_isolation"]
    drop_tenant_isolation("probe_forced")
    flags = migrating.execute(
        text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"),
        {"t": "probe_forced"},
    ).one()
    assert tuple(flags) == (False, False)


async def test_a_platform_table_is_hidden_from_tenants_unless_readable(
    migrating: Connection, database: Database
) -> None:
    tenant = await make_tenant(database, "alpha")
    _create(migrating, "probe_hidden")
    _create(migrating, "probe_readable")
    share_platform_table("probe_hidden", tenant_can_read=False)
    share_platform_table("probe_readable", tenant_can_read=True)
    migrating.commit()
    async with database.platform_transaction() as session:
        await session.execute(text("INSERT INTO probe_readable (note) VALUES ('shared')"))
    async with database.tenant_transaction(tenant) as session:
        assert await session.scalar(text("SELECT note FROM probe_readable")) == "shared"
    with pytest.raises(ProgrammingError, match="permission denied"):
        async with database.tenant_transaction(tenant) as session:
            await session.execute(text("SELECT note FROM probe_hidden"))
    with pytest.raises(ProgrammingError, match="permission denied"):
        async with database.tenant_transaction(tenant) as session:
            await session.execute(text("INSERT INTO probe_readable (note) VALUES ('x')"))
