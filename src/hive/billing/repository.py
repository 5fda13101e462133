"""All SQL of the billing domain.

Balances move only through :func:`shift_account`, one conditional ``UPDATE``: the row changes
only if the result stays within bounds (never negative, a credit line never above its limit),
so concurrent callers cannot overdraw an account however they interleave; the table's CHECK
constraints are the second line of defence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing.ledger import LedgerAccount
from hive.billing.models import Account, Freeze, LedgerEntry, LedgerPosting
from hive.platform import driver


@dataclass(frozen=True, slots=True)
class Balances:
    """An account's cached sums after a change (fen)."""

    available_fen: int
    frozen_fen: int


async def add_account(session: AsyncSession, account: Account) -> None:
    session.add(account)
    await session.flush()


async def find_account(session: AsyncSession, tenant_id: int, kind: str) -> Account | None:
    query = select(Account).where(Account.tenant_id == tenant_id, Account.kind == kind)
    return await session.scalar(query)


async def tenant_accounts(session: AsyncSession, tenant_ids: Sequence[int]) -> Sequence[Account]:
    query = select(Account).where(Account.tenant_id.in_(tenant_ids)).order_by(Account.id)
    return (await session.scalars(query)).all()


async def ensure_account(session: AsyncSession, tenant_id: int, kind: str) -> None:
    """Create the tenant's ``kind`` account, empty, unless it exists."""
    statement = (
        insert(Account)
        .values(tenant_id=tenant_id, kind=kind, currency="CNY", available_fen=0, frozen_fen=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "kind"])
    )
    await session.execute(statement)


async def lock_accounts(session: AsyncSession, tenant_id: int) -> dict[str, Account]:
    """The tenant's accounts by kind, locked until the transaction ends (always in kind order,
    so two transactions never wait on each other crosswise)."""
    query = (
        select(Account)
        .where(Account.tenant_id == tenant_id)
        .order_by(Account.kind)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {account.kind: account for account in (await session.scalars(query)).all()}


_ACCOUNTS = cast(Table, Account.__table__)
_FREEZES = cast(Table, Freeze.__table__)
_A = _ACCOUNTS.c

# The hot paths' statements, built once (Core on the tables) and compiled once for the
# driver's connection (:mod:`hive.platform.driver`: no per-statement SQLAlchemy work).
_LOCK_AVAILABLE = driver.Statement(
    select(_A.kind, _A.available_fen)
    .where(_A.tenant_id == bindparam("tenant"))
    .order_by(_A.kind)
    .with_for_update()
)
_NEW_AVAILABLE = _A.available_fen + bindparam("d_available")
_NEW_FROZEN = _A.frozen_fen + bindparam("d_frozen")
_NEW_LIMIT = _A.credit_limit_fen + bindparam("d_limit")
_SHIFT_ACCOUNT = driver.Statement(
    update(_ACCOUNTS)
    .where(
        _A.tenant_id == bindparam("tenant"),
        _A.kind == bindparam("account_kind"),
        _NEW_AVAILABLE >= 0,
        _NEW_FROZEN >= 0,
        (_A.kind != "credit") | (_NEW_AVAILABLE + _NEW_FROZEN <= _NEW_LIMIT),
    )
    .values(
        available_fen=_NEW_AVAILABLE,
        frozen_fen=_NEW_FROZEN,
        credit_limit_fen=_NEW_LIMIT,
        updated_at=func.now(),
    )
    .returning(_A.available_fen, _A.frozen_fen)
)
_INSERT_FREEZE = driver.Statement(
    insert(_FREEZES)
    .values(captured_fen=0, released_fen=0)
    .on_conflict_do_nothing(index_elements=["tenant_id", "reference"])
    .returning(_FREEZES.c.id),
    column_keys=("tenant_id", "reference", "amount_fen", "open_balance_fen", "open_credit_fen"),
)


async def lock_available(session: AsyncSession, tenant_id: int) -> dict[str, int]:
    """What each of the tenant's accounts has available (fen), by kind, the accounts locked
    as :func:`lock_accounts` locks them (same order), without loading them into the session."""
    rows = await driver.fetch_all(session, _LOCK_AVAILABLE, {"tenant": tenant_id})
    return {str(kind): int(available) for kind, available in rows}


async def shift_account(
    session: AsyncSession,
    tenant_id: int,
    kind: str,
    *,
    available_fen: int = 0,
    frozen_fen: int = 0,
    limit_fen: int = 0,
) -> Balances | None:
    """Add the deltas to the tenant's ``kind`` account if the result stays within bounds;
    the new cached sums, or ``None`` (nothing changed) when it would not."""
    params = {
        "tenant": tenant_id,
        "account_kind": kind,
        "d_available": available_fen,
        "d_frozen": frozen_fen,
        "d_limit": limit_fen,
    }
    row = await driver.fetch_one(session, _SHIFT_ACCOUNT, params)
    return Balances(row[0], row[1]) if row else None


async def add_entry(session: AsyncSession, entry: LedgerEntry) -> int:
    session.add(entry)
    await session.flush()
    return entry.id


async def add_postings(session: AsyncSession, postings: Sequence[LedgerPosting]) -> None:
    session.add_all(postings)
    await session.flush()


# An entry and its postings in one statement: the postings' columns come as parallel arrays
# (one element per posting, in posting order; a NULL balance for the platform's accounts).
_INSERT_ENTRY_WITH_POSTINGS = driver.Statement(
    text(
        "WITH entry AS ("
        " INSERT INTO ledger_entries (tenant_id, kind, reference, note, operation_key, actor_name)"
        " VALUES (:tenant_id, :kind, :reference, :note, :operation_key, :actor_name)"
        " RETURNING id),"
        " lines AS ("
        " INSERT INTO ledger_postings (entry_id, tenant_id, account, amount_fen, balance_after_fen)"
        " SELECT entry.id, :tenant_id, line.account, line.amount_fen, line.balance_after_fen"
        " FROM entry, unnest(CAST(:accounts AS varchar[]), CAST(:amounts AS bigint[]),"
        " CAST(:balances AS bigint[])) WITH ORDINALITY"
        " AS line(account, amount_fen, balance_after_fen, n)"
        " ORDER BY line.n)"
        " SELECT id FROM entry"
    )
)


async def insert_entry_with_postings(
    session: AsyncSession,
    *,
    tenant_id: int,
    kind: str,
    reference: str,
    note: str,
    operation_key: str | None,
    actor_name: str,
    postings: Sequence[tuple[str, int, int | None]],
) -> int:
    """Insert a ledger entry and its ``(account, amount_fen, balance_after_fen)`` postings in
    one statement (postings in the order given); the entry's id."""
    row = await driver.fetch_one(
        session,
        _INSERT_ENTRY_WITH_POSTINGS,
        {
            "tenant_id": tenant_id,
            "kind": kind,
            "reference": reference,
            "note": note,
            "operation_key": operation_key,
            "actor_name": actor_name,
            "accounts": [account for account, _, _ in postings],
            "amounts": [amount for _, amount, _ in postings],
            "balances": [balance for _, _, balance in postings],
        },
    )
    assert row is not None  # RETURNING of the INSERT just made
    return int(row[0])


async def find_entry_by_key(
    session: AsyncSession, tenant_id: int, operation_key: str
) -> LedgerEntry | None:
    query = select(LedgerEntry).where(
        LedgerEntry.tenant_id == tenant_id, LedgerEntry.operation_key == operation_key
    )
    return await session.scalar(query)


async def entry_amount(session: AsyncSession, entry_id: int, accounts: Sequence[str]) -> int:
    """The sum an entry posted to ``accounts`` (fen)."""
    query = select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0)).where(
        LedgerPosting.entry_id == entry_id, LedgerPosting.account.in_(accounts)
    )
    return int(await session.scalar(query) or 0)


async def insert_freeze(
    session: AsyncSession, tenant_id: int, reference: str, balance_fen: int, credit_fen: int
) -> int | None:
    """A new freeze's id, or ``None`` when the reference already has one (nothing written)."""
    row = await driver.fetch_one(
        session,
        _INSERT_FREEZE,
        {
            "tenant_id": tenant_id,
            "reference": reference,
            "amount_fen": balance_fen + credit_fen,
            "open_balance_fen": balance_fen,
            "open_credit_fen": credit_fen,
        },
    )
    return None if row is None else int(row[0])


async def find_freeze(
    session: AsyncSession, tenant_id: int, reference: str, *, lock: bool = False
) -> Freeze | None:
    query = (
        select(Freeze)
        .where(Freeze.tenant_id == tenant_id, Freeze.reference == reference)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def shift_freeze(
    session: AsyncSession,
    freeze_id: int,
    *,
    balance_fen: int,
    credit_fen: int,
    captured_fen: int = 0,
    released_fen: int = 0,
) -> bool:
    """Take ``balance_fen`` and ``credit_fen`` out of what the freeze holds, counted as
    captured or released; ``False`` (nothing changed) when it does not hold them."""
    statement = (
        update(Freeze)
        .where(
            Freeze.id == freeze_id,
            Freeze.open_balance_fen >= balance_fen,
            Freeze.open_credit_fen >= credit_fen,
        )
        .values(
            open_balance_fen=Freeze.open_balance_fen - balance_fen,
            open_credit_fen=Freeze.open_credit_fen - credit_fen,
            captured_fen=Freeze.captured_fen + captured_fen,
            released_fen=Freeze.released_fen + released_fen,
            updated_at=func.now(),
        )
        .returning(Freeze.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalar(statement)) is not None


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting to a tenant account, with its entry (for the account statement)."""

    posting_id: int
    created_at: datetime
    kind: str
    reference: str
    note: str
    account: str
    amount_fen: int
    balance_after_fen: int | None


# The columns of a statement line (StatementLine's fields, in order).
StatementQuery = Select[int, datetime, str, str, str, str, int, int | None]


def statement_query(tenant_id: int) -> StatementQuery:
    """The tenant's postings to its own accounts, newest first, as :class:`StatementLine`
    columns; for a page or an export."""
    return (
        select(
            LedgerPosting.id,
            LedgerEntry.created_at,
            LedgerEntry.kind,
            LedgerEntry.reference,
            LedgerEntry.note,
            LedgerPosting.account,
            LedgerPosting.amount_fen,
            LedgerPosting.balance_after_fen,
        )
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(
            LedgerPosting.tenant_id == tenant_id,
            LedgerPosting.account.in_([a.value for a in LedgerAccount if a.is_tenant]),
        )
        .order_by(LedgerPosting.id.desc())
    )


async def statement_lines(
    session: AsyncSession, tenant_id: int, *, limit: int, offset: int
) -> Sequence[StatementLine]:
    """The tenant's postings to its own accounts, newest first."""
    query = statement_query(tenant_id).limit(limit).offset(offset)
    return [StatementLine(*row) for row in (await session.execute(query)).all()]


async def count_statement_lines(session: AsyncSession, tenant_id: int) -> int:
    query = select(func.count()).where(
        LedgerPosting.tenant_id == tenant_id,
        LedgerPosting.account.in_([a.value for a in LedgerAccount if a.is_tenant]),
    )
    return int(await session.scalar(query) or 0)


# Reconciliation: each query lists what disagrees, so an empty result means "in balance".
UNBALANCED_ENTRIES = """
SELECT entry_id, sum(amount_fen) FROM ledger_postings GROUP BY entry_id
HAVING sum(amount_fen) <> 0 ORDER BY entry_id
"""
CACHE_MISMATCHES = """
WITH sums AS (
    SELECT tenant_id, account, sum(amount_fen) AS fen FROM ledger_postings
    WHERE account IN ('balance.available', 'balance.frozen', 'credit.available',
                      'credit.frozen', 'platform.credit_line')
    GROUP BY tenant_id, account
)
SELECT a.tenant_id, a.kind, a.available_fen, a.frozen_fen, a.credit_limit_fen,
       coalesce(av.fen, 0), coalesce(fr.fen, 0),
       CASE WHEN a.kind = 'credit' THEN -coalesce(cl.fen, 0) ELSE 0 END
FROM accounts a
LEFT JOIN sums av ON av.tenant_id = a.tenant_id AND av.account = a.kind || '.available'
LEFT JOIN sums fr ON fr.tenant_id = a.tenant_id AND fr.account = a.kind || '.frozen'
LEFT JOIN sums cl ON cl.tenant_id = a.tenant_id AND cl.account = 'platform.credit_line'
WHERE a.available_fen <> coalesce(av.fen, 0) OR a.frozen_fen <> coalesce(fr.fen, 0)
   OR a.credit_limit_fen <> CASE WHEN a.kind = 'credit' THEN -coalesce(cl.fen, 0) ELSE 0 END
ORDER BY a.tenant_id, a.kind
"""
FROZEN_MISMATCHES = """
WITH held AS (
    SELECT tenant_id, sum(open_balance_fen) AS balance_fen, sum(open_credit_fen) AS credit_fen
    FROM freezes GROUP BY tenant_id
)
SELECT a.tenant_id, a.kind, a.frozen_fen,
       coalesce(CASE a.kind WHEN 'balance' THEN h.balance_fen ELSE h.credit_fen END, 0)
FROM accounts a LEFT JOIN held h ON h.tenant_id = a.tenant_id
WHERE a.frozen_fen <> coalesce(CASE a.kind WHEN 'balance' THEN h.balance_fen
                                           ELSE h.credit_fen END, 0)
ORDER BY a.tenant_id, a.kind
"""


async def unbalanced_entries(session: AsyncSession) -> list[tuple[int, int]]:
    """``(entry_id, sum)`` of every entry whose postings do not sum to zero."""
    rows = await session.execute(text(UNBALANCED_ENTRIES))
    return [(int(row[0]), int(row[1])) for row in rows]


async def cache_mismatches(session: AsyncSession) -> list[tuple[int, ...]]:
    """Accounts whose cached available / frozen / limit differ from their ledger sums:
    ``(tenant_id, kind, cached available, frozen, limit, ledger available, frozen, limit)``."""
    rows = await session.execute(text(CACHE_MISMATCHES))
    return [tuple(row) for row in rows]


async def frozen_mismatches(session: AsyncSession) -> list[tuple[int, ...]]:
    """Accounts whose frozen sum differs from what their open freezes hold:
    ``(tenant_id, kind, frozen, held by freezes)``."""
    rows = await session.execute(text(FROZEN_MISMATCHES))
    return [tuple(row) for row in rows]


async def total_of_postings(session: AsyncSession) -> int:
    total = await session.scalar(select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0)))
    return int(total or 0)
