"""Helpers for billing tests: actors, a funded tenant, and the ledger check."""

from __future__ import annotations

from hive.billing import service as billing
from hive.billing.reconciliation import LedgerReport, check_ledger
from hive.billing.schemas import CreditLimit, TopUp
from hive.platform.actor import SYSTEM, Actor
from hive.platform.db import Database
from hive.platform.permissions import Role

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
