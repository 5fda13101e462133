"""Billing rules. Balances move only through the ledger (built in the billing issue)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import repository
from hive.billing.models import Account

BALANCE_ACCOUNT = "balance"


async def open_balance_account(session: AsyncSession, tenant_id: int) -> Account:
    """Open the tenant's prepaid balance account, empty."""
    account = Account(tenant_id=tenant_id, kind=BALANCE_ACCOUNT, available_fen=0, frozen_fen=0)
    await repository.add_account(session, account)
    return account


async def balance_account(session: AsyncSession, tenant_id: int) -> Account | None:
    return await repository.find_account(session, tenant_id, BALANCE_ACCOUNT)
