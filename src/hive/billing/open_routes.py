"""The tenant's account on the Open API (served by HAG): ``GET /open/v1/account`` and
``GET /open/v1/account/entries``, scope ``account:read``. Thin: the billing service decides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hive.billing import service as billing
from hive.openapi.gateway import AccountReader, OpenSession
from hive.openapi.responses import ERROR_RESPONSES
from hive.openapi.service import AppCredentials
from hive.platform.actor import Actor
from hive.platform.permissions import Role

router = APIRouter(prefix="/open/v1", tags=["open-api"], responses=ERROR_RESPONSES)
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100


class AccountOut(BaseModel):
    """Balances in fen. ``spendable_fen`` is what a new order may freeze (available balance
    plus unused credit); ``credit_used_fen`` is credit drawn and not repaid."""

    currency: str
    available_fen: int
    frozen_fen: int
    credit_limit_fen: int
    credit_available_fen: int
    credit_frozen_fen: int
    credit_used_fen: int
    spendable_fen: int


class EntryOut(BaseModel):
    """One movement of one of the tenant's accounts (``balance.available``,
    ``balance.frozen``, ``credit.available``, ``credit.frozen``); ``amount_fen`` signed,
    ``balance_after_fen`` the account's balance after it."""

    id: int
    created_at: datetime
    kind: str
    reference: str
    account: str
    amount_fen: int
    balance_after_fen: int | None
    note: str


class EntriesOut(BaseModel):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int


def _actor(app: AppCredentials) -> Actor:
    """The app acts for its tenant, with a tenant user's rights."""
    return Actor(
        user_id=None,
        username=f"app:{app.app_key}",
        role=Role.TENANT_USER.value,
        tenant_id=app.tenant_id,
    )


@router.get("/account", response_model=AccountOut)
async def read_account(caller: AccountReader, session: OpenSession) -> AccountOut:
    """The calling tenant's balances. Scope ``account:read``."""
    summary = await billing.account_summary(session, _actor(caller), caller.tenant_id)
    return AccountOut(
        currency="CNY",
        available_fen=summary.available_fen,
        frozen_fen=summary.frozen_fen,
        credit_limit_fen=summary.credit_limit_fen,
        credit_available_fen=summary.credit_available_fen,
        credit_frozen_fen=summary.credit_frozen_fen,
        credit_used_fen=summary.credit_used_fen,
        spendable_fen=summary.spendable_fen,
    )


@router.get("/account/entries", response_model=EntriesOut)
async def read_entries(
    caller: AccountReader,
    session: OpenSession,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> EntriesOut:
    """The calling tenant's account statement, newest first. Scope ``account:read``."""
    statement = await billing.statement(
        session, _actor(caller), caller.tenant_id, limit=page_size, offset=(page - 1) * page_size
    )
    items = [
        EntryOut(
            id=line.posting_id,
            created_at=line.created_at,
            kind=line.kind,
            reference=line.reference,
            account=line.account,
            amount_fen=line.amount_fen,
            balance_after_fen=line.balance_after_fen,
            note=line.note,
        )
        for line in statement.lines
    ]
    return EntriesOut(items=items, total=statement.total, page=page, page_size=page_size)
