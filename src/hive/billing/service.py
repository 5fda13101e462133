"""Billing rules for finance and for reading accounts: opening accounts, top-ups,
adjustments, credit limits, statements. Services never commit; callers do.

Freezes, captures and releases (the order chain's calls) are in :mod:`hive.billing.freezes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import repository
from hive.billing.errors import (
    AccountNotFound,
    CreditLimitBelowUse,
    InsufficientFunds,
    OperationKeyReused,
)
from hive.billing.ledger import AccountKind, EntryKind, LedgerAccount, Posting
from hive.billing.models import Account
from hive.billing.postings import write_entry
from hive.billing.repository import StatementLine
from hive.billing.schemas import Adjustment, CreditLimit, TopUp
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.money import format_money
from hive.platform.permissions import Action, require
from hive.platform.validation import Problem

BALANCE_ACCOUNT = AccountKind.BALANCE.value
CREDIT_ACCOUNT = AccountKind.CREDIT.value


async def open_balance_account(session: AsyncSession, tenant_id: int) -> Account:
    """Open the tenant's prepaid balance account, empty."""
    account = Account(tenant_id=tenant_id, kind=BALANCE_ACCOUNT, available_fen=0, frozen_fen=0)
    await repository.add_account(session, account)
    return account


async def balance_account(session: AsyncSession, tenant_id: int) -> Account | None:
    return await repository.find_account(session, tenant_id, BALANCE_ACCOUNT)


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """A tenant's money at a glance (fen). ``spendable_fen`` is what a new order may freeze:
    the available balance plus the unused credit line."""

    tenant_id: int
    available_fen: int
    frozen_fen: int
    credit_limit_fen: int
    credit_available_fen: int
    credit_frozen_fen: int

    @property
    def credit_used_fen(self) -> int:
        """Credit drawn by completed orders and not repaid."""
        return self.credit_limit_fen - self.credit_available_fen - self.credit_frozen_fen

    @property
    def spendable_fen(self) -> int:
        return self.available_fen + self.credit_available_fen


async def summaries(session: AsyncSession, tenant_ids: Sequence[int]) -> dict[int, AccountSummary]:
    """Each tenant's summary (tenants without a balance account are left out)."""
    accounts = await repository.tenant_accounts(session, tenant_ids)
    by_tenant: dict[int, dict[str, Account]] = {}
    for account in accounts:
        by_tenant.setdefault(account.tenant_id, {})[account.kind] = account
    return {
        tenant_id: _summary(tenant_id, kinds)
        for tenant_id, kinds in by_tenant.items()
        if BALANCE_ACCOUNT in kinds
    }


def _summary(tenant_id: int, kinds: dict[str, Account]) -> AccountSummary:
    balance, credit = kinds[BALANCE_ACCOUNT], kinds.get(CREDIT_ACCOUNT)
    return AccountSummary(
        tenant_id=tenant_id,
        available_fen=balance.available_fen,
        frozen_fen=balance.frozen_fen,
        credit_limit_fen=credit.credit_limit_fen if credit else 0,
        credit_available_fen=credit.available_fen if credit else 0,
        credit_frozen_fen=credit.frozen_fen if credit else 0,
    )


async def list_summaries(
    session: AsyncSession, actor: Actor, tenant_ids: Sequence[int]
) -> dict[int, AccountSummary]:
    """Summaries of several tenants' accounts (staff pages); a tenant user gets its own only."""
    require(actor, Action.VIEW_STATEMENT)
    if actor.tenant_id is not None:
        tenant_ids = [tenant_id for tenant_id in tenant_ids if tenant_id == actor.tenant_id]
    return await summaries(session, tenant_ids)


async def account_summary(session: AsyncSession, actor: Actor, tenant_id: int) -> AccountSummary:
    """The tenant's balances; a tenant user sees only its own (else ``account_not_found``)."""
    require(actor, Action.VIEW_STATEMENT)
    _check_scope(actor, tenant_id)
    found = await summaries(session, [tenant_id])
    if tenant_id not in found:
        raise AccountNotFound(details={"tenant_id": tenant_id})
    return found[tenant_id]


def _check_scope(actor: Actor, tenant_id: int) -> None:
    # Another tenant's account does not exist for a tenant user (no hint that it does).
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise AccountNotFound(details={"tenant_id": tenant_id})


async def top_up(
    session: AsyncSession, actor: Actor, data: TopUp, *, operation_key: str | None = None
) -> int:
    """Credit money received from the tenant to its prepaid balance; returns the entry id.

    Raises ``account_not_found`` for a tenant without an account. An ``operation_key`` makes it
    safe to repeat (the demo data's funding): a top-up of the same amount already written under
    the key is returned and nothing moves; the key naming anything else is
    ``operation_key_reused``.
    """
    require(actor, Action.TOP_UP)
    if operation_key is not None:
        done = await _top_up_done(session, data, operation_key)
        if done is not None:
            return done
    after = await repository.shift_account(
        session, data.tenant_id, BALANCE_ACCOUNT, available_fen=data.amount_fen
    )
    if after is None:
        raise AccountNotFound(details={"tenant_id": data.tenant_id})
    entry_id = await write_entry(
        session,
        actor,
        tenant_id=data.tenant_id,
        kind=EntryKind.TOP_UP,
        postings=[
            Posting(LedgerAccount.BALANCE_AVAILABLE, data.amount_fen),
            Posting(LedgerAccount.CASH, -data.amount_fen),
        ],
        balances_after={LedgerAccount.BALANCE_AVAILABLE: after.available_fen},
        note=data.note,
        operation_key=operation_key,
    )
    await _audit(session, actor, "billing.top_up", data.tenant_id, entry_id, data.amount_fen, data)
    return entry_id


async def _top_up_done(session: AsyncSession, data: TopUp, operation_key: str) -> int | None:
    """The id of the top-up already written under ``operation_key`` (None: none yet); an entry
    of another kind or amount under the key is refused."""
    entry = await repository.find_entry_by_key(session, data.tenant_id, operation_key)
    if entry is None:
        return None
    credited = await repository.entry_amount(
        session, entry.id, [LedgerAccount.BALANCE_AVAILABLE.value]
    )
    if (entry.kind, credited) != (EntryKind.TOP_UP.value, data.amount_fen):
        raise OperationKeyReused(details={"operation_key": operation_key})
    return entry.id


async def adjust(session: AsyncSession, actor: Actor, data: Adjustment) -> int:
    """Correct the prepaid balance by a signed amount; returns the entry id.

    A negative adjustment larger than the available balance is refused
    (``insufficient_funds``); frozen money is never touched.
    """
    require(actor, Action.ADJUST_BALANCE)
    if await repository.find_account(session, data.tenant_id, BALANCE_ACCOUNT) is None:
        raise AccountNotFound(details={"tenant_id": data.tenant_id})
    after = await repository.shift_account(
        session, data.tenant_id, BALANCE_ACCOUNT, available_fen=data.amount_fen
    )
    if after is None:
        raise InsufficientFunds(details={"amount_fen": -data.amount_fen})
    entry_id = await write_entry(
        session,
        actor,
        tenant_id=data.tenant_id,
        kind=EntryKind.ADJUSTMENT,
        postings=[
            Posting(LedgerAccount.BALANCE_AVAILABLE, data.amount_fen),
            Posting(LedgerAccount.ADJUSTMENT, -data.amount_fen),
        ],
        balances_after={LedgerAccount.BALANCE_AVAILABLE: after.available_fen},
        note=data.note,
    )
    await _audit(session, actor, "billing.adjust", data.tenant_id, entry_id, data.amount_fen, data)
    return entry_id


async def set_credit_limit(
    session: AsyncSession, actor: Actor, data: CreditLimit, *, operation_key: str | None = None
) -> int | None:
    """Set the tenant's credit line; returns the entry id (``None`` when the limit is unchanged).

    An ``operation_key`` that already names a credit-limit change returns that entry and
    changes nothing, even if finance has set another limit since (the demo data's line is set
    once); naming an entry of another kind it is ``operation_key_reused``.

    Lowering it below what is drawn or held on it is refused (``credit_limit_below_use``, 409,
    details ``in_use_fen`` and a ``below_in_use`` problem on ``limit_fen``): the credit account's
    available amount can never go negative, so finance lowers a line only to what is in use,
    and further as orders complete and the tenant repays or orders are released.
    """
    require(actor, Action.SET_CREDIT_LIMIT)
    if await repository.find_account(session, data.tenant_id, BALANCE_ACCOUNT) is None:
        raise AccountNotFound(details={"tenant_id": data.tenant_id})
    if operation_key is not None:
        entry = await repository.find_entry_by_key(session, data.tenant_id, operation_key)
        if entry is not None and entry.kind != EntryKind.CREDIT_LIMIT.value:
            raise OperationKeyReused(details={"operation_key": operation_key})
        if entry is not None:
            return entry.id
    await repository.ensure_account(session, data.tenant_id, CREDIT_ACCOUNT)
    credit = (await repository.lock_accounts(session, data.tenant_id))[CREDIT_ACCOUNT]
    delta = data.limit_fen - credit.credit_limit_fen
    if delta == 0:
        return None
    after = await repository.shift_account(
        session, data.tenant_id, CREDIT_ACCOUNT, available_fen=delta, limit_fen=delta
    )
    if after is None:
        raise _below_use(data.limit_fen, credit.credit_limit_fen - credit.available_fen)
    entry_id = await write_entry(
        session,
        actor,
        tenant_id=data.tenant_id,
        kind=EntryKind.CREDIT_LIMIT,
        postings=[
            Posting(LedgerAccount.CREDIT_AVAILABLE, delta),
            Posting(LedgerAccount.CREDIT_LINE, -delta),
        ],
        balances_after={LedgerAccount.CREDIT_AVAILABLE: after.available_fen},
        note=data.note,
        operation_key=operation_key,
    )
    await _audit(session, actor, "billing.credit_limit", data.tenant_id, entry_id, delta, data)
    return entry_id


def _below_use(limit_fen: int, in_use_fen: int) -> CreditLimitBelowUse:
    """The refusal of a limit below what is drawn or held, naming that amount (as shown, ¥) on the
    limit's field."""
    problem = Problem("limit_fen", "below_in_use", {"in_use": format_money(in_use_fen)})
    return CreditLimitBelowUse(
        details={"limit_fen": limit_fen, "in_use_fen": in_use_fen, "problems": [problem.as_dict()]}
    )


async def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    tenant_id: int,
    entry_id: int,
    amount_fen: int,
    data: TopUp | Adjustment | CreditLimit,
) -> None:
    await record_audit(
        session,
        actor,
        action,
        target_type="ledger_entry",
        target_id=entry_id,
        tenant_id=tenant_id,
        details={"amount_fen": amount_fen, **data.model_dump(exclude={"tenant_id"})},
    )


@dataclass(frozen=True, slots=True)
class Statement:
    lines: Sequence[StatementLine]
    total: int


async def statement(
    session: AsyncSession, actor: Actor, tenant_id: int, *, limit: int, offset: int
) -> Statement:
    """The tenant's account statement, newest first: one line per posting to its balance or
    credit accounts with the balance it left. A tenant user reads only its own."""
    require(actor, Action.VIEW_STATEMENT)
    _check_scope(actor, tenant_id)
    lines = await repository.statement_lines(session, tenant_id, limit=limit, offset=offset)
    return Statement(lines, await repository.count_statement_lines(session, tenant_id))


def statement_export(actor: Actor, tenant_id: int) -> repository.StatementQuery:
    """Every line of the tenant's statement (newest first), for a download streamed by the
    caller; checked like :func:`statement`. Rows carry :class:`StatementLine`'s columns."""
    require(actor, Action.VIEW_STATEMENT)
    _check_scope(actor, tenant_id)
    return repository.statement_query(tenant_id)
