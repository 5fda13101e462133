"""All SQL of the billing domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing.models import Account


async def add_account(session: AsyncSession, account: Account) -> None:
    session.add(account)
    await session.flush()


async def find_account(session: AsyncSession, tenant_id: int, kind: str) -> Account | None:
    query = select(Account).where(Account.tenant_id == tenant_id, Account.kind == kind)
    return await session.scalar(query)
