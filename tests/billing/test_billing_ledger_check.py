"""The daily ledger check finds a cached balance that drifted from its postings, a frozen sum
that drifted from the open freezes, and raises the alert; clean books raise nothing. A settle
that a drifted frozen sum no longer covers is refused, not written."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hive.billing import freezes
from hive.billing.errors import InsufficientFunds
from hive.billing.reconciliation import MISMATCH_EVENT, run_ledger_check
from hive.platform.actor import SYSTEM
from hive.platform.db import Database
from hive.platform.jobs import job_app
from tests.support.billing import fund, summary, tenant_actor
from tests.support.factories import make_tenant


async def _alerts(database: Database) -> list[dict[str, object]]:
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text("SELECT payload FROM domain_events WHERE type = :t"), {"t": MISMATCH_EVENT}
        )
        return [row[0] for row in rows]


async def test_clean_books_pass_and_raise_no_alert(database: Database) -> None:
    tenant = await make_tenant(database, "acme")
    await fund(database, tenant, 9_000, credit_fen=1_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 9_500)
    report = await run_ledger_check(database)
    assert report.in_balance and await _alerts(database) == []


async def test_a_drifted_cache_and_a_drifted_freeze_are_reported_and_alerted(
    database: Database,
) -> None:
    tenant = await make_tenant(database, "acme")
    await fund(database, tenant, 9_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 4_000)
    async with database.platform_transaction() as session:
        await session.execute(
            text("UPDATE accounts SET available_fen = available_fen + 1 WHERE tenant_id = :t"),
            {"t": tenant},
        )
        await session.execute(
            text(
                "UPDATE freezes SET open_balance_fen = open_balance_fen - 10, "
                "released_fen = released_fen + 10 WHERE tenant_id = :t"
            ),
            {"t": tenant},
        )
    report = await run_ledger_check(database)
    assert not report.in_balance
    assert [row[:2] for row in report.cache_mismatches] == [(tenant, "balance")]
    assert report.cache_mismatches[0][2:] == (5_001, 4_000, 0, 5_000, 4_000, 0)
    assert report.frozen_mismatches == [(tenant, "balance", 4_000, 3_990)]
    [alert] = await _alerts(database)
    assert alert["cache_mismatches"] and alert["frozen_mismatches"]


async def test_a_settle_the_accounts_no_longer_cover_is_refused_and_moves_nothing(
    database: Database,
) -> None:
    """The freeze holds 1,000 but the balance account's cached frozen sum was set to 0 behind
    the service's back: the account's conditional update will not go below 0, so a capture
    or a release is ``insufficient_funds`` naming the amount, and the freeze keeps holding it
    (the whole transaction rolls back)."""
    tenant = await make_tenant(database, "acme")
    await fund(database, tenant, 10_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 1_000)
    async with database.platform_transaction() as session:
        await session.execute(
            text(
                "UPDATE accounts SET frozen_fen = 0, available_fen = 10000 "
                "WHERE tenant_id = :t AND kind = 'balance'"
            ),
            {"t": tenant},
        )
    for settle in (freezes.capture, freezes.release):
        with pytest.raises(InsufficientFunds) as refused:
            async with database.platform_transaction() as session:
                await settle(session, SYSTEM, tenant, "SO-1", 1_000)
        assert refused.value.details == {"amount_fen": 1_000}
    async with database.platform_transaction() as session:
        assert await freezes.held_for(session, tenant, "SO-1") == 1_000
        kinds = await session.scalars(text("SELECT kind FROM ledger_entries ORDER BY id"))
        assert list(kinds) == ["top_up", "freeze"]
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (10_000, 0)


def test_the_ledger_check_runs_every_night() -> None:
    import hive.billing.tasks  # noqa: F401  (registers the task)

    periodic = {
        task.periodic_id: task.cron for task in job_app.periodic_registry.periodic_tasks.values()
    }
    assert periodic["check_ledger"] == "23 18 * * *"  # 02:23 in Shanghai
