"""Writing one ledger entry: the entry row and its balanced postings, in the caller's
transaction, after the cached balances moved (so each tenant posting records the balance it
left) — one statement for the entry and its postings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import repository
from hive.billing.ledger import EntryKind, LedgerAccount, Posting, balanced
from hive.platform.actor import Actor


async def write_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    tenant_id: int,
    kind: EntryKind,
    postings: Sequence[Posting],
    balances_after: Mapping[LedgerAccount, int],
    reference: str = "",
    note: str = "",
    operation_key: str | None = None,
) -> int:
    """Append an entry and its postings; returns the entry id.

    ``postings`` must sum to zero (zero lines are dropped): :class:`UnbalancedEntry` otherwise,
    and the database refuses such an entry at commit as well. ``balances_after`` gives each
    tenant account's cached balance after this change.
    """
    lines = balanced(postings)
    return await repository.insert_entry_with_postings(
        session,
        tenant_id=tenant_id,
        kind=kind.value,
        reference=reference,
        note=note,
        operation_key=operation_key,
        actor_name=actor.username[:64],
        postings=[
            (line.account.value, line.amount_fen, balances_after.get(line.account))
            for line in lines
        ],
    )
