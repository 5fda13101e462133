"""The ledger checked against itself and against the cached balances.

:func:`check_ledger` finds every disagreement: an entry whose postings do not sum to zero, an
account whose cached available, frozen or credit limit differs from the sum of its postings,
and an account whose frozen sum differs from what its open freezes hold. The daily job
(:mod:`hive.billing.tasks`) runs it and raises an alert for any finding; the tests run it after
every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import repository
from hive.platform.actor import SYSTEM, Actor
from hive.platform.db import Database
from hive.platform.domain_events import raise_event
from hive.platform.logging import get_logger
from hive.platform.permissions import Action, require

log = get_logger("hive.billing.reconciliation")


@dataclass(frozen=True, slots=True)
class LedgerReport:
    """What disagrees (each list empty when the books are in balance)."""

    unbalanced_entries: list[tuple[int, int]] = field(default_factory=list)
    cache_mismatches: list[tuple[int, ...]] = field(default_factory=list)
    frozen_mismatches: list[tuple[int, ...]] = field(default_factory=list)
    postings_total_fen: int = 0

    @property
    def in_balance(self) -> bool:
        return (
            not self.unbalanced_entries
            and not self.cache_mismatches
            and not self.frozen_mismatches
            and self.postings_total_fen == 0
        )

    def summary(self) -> dict[str, object]:
        return {
            "unbalanced_entries": self.unbalanced_entries[:20],
            "cache_mismatches": [list(map(str, row)) for row in self.cache_mismatches[:20]],
            "frozen_mismatches": [list(map(str, row)) for row in self.frozen_mismatches[:20]],
            "postings_total_fen": self.postings_total_fen,
        }


async def check_ledger(session: AsyncSession, actor: Actor) -> LedgerReport:
    """Compare ledger, cached balances and freezes (platform-wide as the platform role, one
    tenant's rows under a tenant transaction)."""
    require(actor, Action.CHECK_LEDGER)
    return LedgerReport(
        unbalanced_entries=await repository.unbalanced_entries(session),
        cache_mismatches=await repository.cache_mismatches(session),
        frozen_mismatches=await repository.frozen_mismatches(session),
        postings_total_fen=await repository.total_of_postings(session),
    )


MISMATCH_EVENT = "billing.ledger_mismatch"


async def run_ledger_check(database: Database) -> LedgerReport:
    """The daily check: the whole ledger as the platform; a finding is logged as an error and
    raised as a ``billing.ledger_mismatch`` domain event (the alert), in its own transaction."""
    async with database.platform_transaction() as session:
        report = await check_ledger(session, SYSTEM)
        if not report.in_balance:
            log.error("ledger out of balance", **report.summary())
            raise_event(
                session, MISMATCH_EVENT, subject_type="ledger", subject_id=0, **report.summary()
            )
        else:
            log.info("ledger in balance")
    return report
