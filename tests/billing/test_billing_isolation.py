"""Row-level security on billing rows: a tenant transaction neither reads nor writes another
tenant's accounts, ledger or freezes, even with queries that forget the tenant filter."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.billing import freezes
from hive.billing import service as billing
from hive.billing.errors import AccountNotFound
from hive.platform.db import Database
from tests.support.billing import fund, tenant_actor
from tests.support.factories import make_tenant
from tests.support.tenancy import owners_seen

BILLING_TABLES = ["accounts", "ledger_entries", "ledger_postings", "freezes"]


@pytest.fixture
async def two_tenants(database: Database) -> tuple[int, int]:
    first, second = await make_tenant(database, "alpha"), await make_tenant(database, "beta")
    for tenant in (first, second):
        await fund(database, tenant, 5_000, credit_fen=1_000)
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 5_500)
    return first, second


@pytest.mark.parametrize("table", BILLING_TABLES)
async def test_a_tenant_sees_only_its_own_billing_rows(
    database: Database, two_tenants: tuple[int, int], table: str
) -> None:
    first, second = two_tenants
    assert await owners_seen(database, table, first) == {first}
    assert await owners_seen(database, table, None) == {first, second}


async def test_a_tenant_cannot_change_or_forge_another_tenants_money(
    database: Database, two_tenants: tuple[int, int]
) -> None:
    first, second = two_tenants
    async with database.tenant_transaction(first) as session:
        moved = await session.execute(
            text("UPDATE accounts SET available_fen = 0 WHERE tenant_id = :t"), {"t": second}
        )
        released = await session.execute(
            text("UPDATE freezes SET released_fen = 0 WHERE tenant_id = :t"), {"t": second}
        )
        assert moved.rowcount == 0  # type: ignore[attr-defined]
        assert released.rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(first) as session:
            await session.execute(
                text(
                    "INSERT INTO ledger_entries (tenant_id, kind, reference, note, actor_name) "
                    "VALUES (:t, 'top_up', '', 'forged', 'x')"
                ),
                {"t": second},
            )


async def test_a_tenant_reads_neither_the_statement_nor_the_freezes_of_another(
    database: Database, two_tenants: tuple[int, int]
) -> None:
    first, second = two_tenants
    async with database.tenant_transaction(first) as session:
        with pytest.raises(AccountNotFound):
            await billing.statement(session, tenant_actor(first), second, limit=10, offset=0)
        with pytest.raises(AccountNotFound):
            await billing.account_summary(session, tenant_actor(first), second)
        # Even a caller that names the other tenant finds nothing under its own transaction.
        own = await billing.summaries(session, [first, second])
    assert set(own) == {first}


async def test_the_ledger_tables_are_append_only_for_both_roles(
    database: Database, two_tenants: tuple[int, int]
) -> None:
    first, _ = two_tenants
    for statement in ("UPDATE ledger_entries SET note = 'x'", "DELETE FROM ledger_postings"):
        with pytest.raises(ProgrammingError, match="permission denied"):
            async with database.tenant_transaction(first) as session:
                await session.execute(text(statement))
        with pytest.raises(ProgrammingError, match="permission denied"):
            async with database.platform_transaction() as session:
                await session.execute(text(statement))
