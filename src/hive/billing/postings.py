"""Writing one ledger entry: the entry row and its balanced postings, in the caller's
transaction, after the cached balances moved (so each tenant posting records the balance it
left)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import repository
from hive.billing.ledger import EntryKind, LedgerAccount, Posting, balanced
from hive.billing.models import LedgerEntry, LedgerPosting
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
    entry = LedgerEntry(
        tenant_id=tenant_id,
        kind=kind.value,
        reference=reference,
        note=note,
        operation_key=operation_key,
        actor_name=actor.username[:64],
    )
    entry_id = await repository.add_entry(session, entry)
    await repository.add_postings(
        session,
        [
            LedgerPosting(
                entry_id=entry_id,
                tenant_id=tenant_id,
                account=line.account.value,
                amount_fen=line.amount_fen,
                balance_after_fen=balances_after.get(line.account),
            )
            for line in lines
        ],
    )
    return entry_id
