"""Helpers for billing tests: actors, a funded tenant, and the ledger check."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hive.billing import service as billing
from hive.billing.reconciliation import LedgerReport, check_ledger
from hive.billing.schemas import CreditLimit, TopUp
from hive.platform.actor import SYSTEM, Actor
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.permissions import Role

POOLED_CONNECTIONS = 16  # the rush tests' pool: real contention, as a server process has
FINANCE = Actor(user_id=None, username="test-finance", role=Role.FINANCE.value)


def tenant_actor(tenant_id: int) -> Actor:
    return Actor(
        user_id=None,
        username=f"tenant-{tenant_id}",
        role=Role.TENANT_ADMIN.value,
        tenant_id=tenant_id,
    )


async def fund(database: Database, tenant_id: int, balance_fen: int, credit_fen: int = 0) -> None:
    """Top the tenant's balance up by ``balance_fen`` and set its credit line."""
    async with database.platform_transaction() as session:
        if balance_fen:
            await billing.top_up(
                session,
                FINANCE,
                TopUp(tenant_id=tenant_id, amount_fen=balance_fen, note="测试充值"),
            )
        if credit_fen:
            await billing.set_credit_limit(
                session,
                FINANCE,
                CreditLimit(tenant_id=tenant_id, limit_fen=credit_fen, note="测试授信"),
            )


async def ledger_report(database: Database) -> LedgerReport:
    async with database.platform_transaction() as session:
        return await check_ledger(session, SYSTEM)


async def summary(database: Database, tenant_id: int) -> billing.AccountSummary:
    async with database.platform_transaction() as session:
        return await billing.account_summary(session, FINANCE, tenant_id)


@pytest.fixture
async def pooled(settings: Settings) -> AsyncIterator[Database]:
    """A pool of ``POOLED_CONNECTIONS`` real connections to the test database, as a server
    process has (not one connection per call), for tests of money under concurrency."""
    pool = settings.model_copy(update={"db_pool_size": POOLED_CONNECTIONS, "db_max_overflow": 0})
    database = Database(create_engine(settings.database_url, pool, pooled=True))
    try:
        yield database
    finally:
        await database.dispose()
