"""What must always hold of orders and their money, checked against the ledger and upstream.

:func:`check_invariants` finds every break of:

* the books (:func:`hive.billing.reconciliation.check_ledger`): every ledger entry's postings
  sum to zero, cached balances equal the ledger's sums, each account's frozen sum equals what
  its open freezes hold;
* frozen = the open orders' shares: a sub-order not in a final state holds its whole total in
  its freeze, a failed, cancelled or completed one holds nothing (split families are left to
  the change-feed sync);
* one upstream order per placed sub-order: asked by ``thirdOrder`` (our ``sub_order_no``),
  the supplier knows a placed sub-order under the id we recorded; a sub-order never sent has
  no order there; a cancelled or failed one has none or a cancelled one (no orphan).

It reads the database in short transactions and asks suppliers outside them. The fault tests
run it after every scenario; :func:`run_invariant_check` logs each finding and raises an
``orders.invariant_broken`` alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hive.billing.reconciliation import LedgerReport, check_ledger
from hive.orders import invariants_repository as repo
from hive.orders.status import SubOrderStatus
from hive.orders.submission import AdapterFor, look_up
from hive.platform.actor import SYSTEM
from hive.platform.db import Database
from hive.platform.domain_events import raise_event
from hive.platform.logging import get_logger
from hive.suppliers.errors import SupplierError
from hive.suppliers.types import UpstreamOrder, UpstreamOrderStatus

log = get_logger("hive.orders.invariants")
BROKEN_EVENT = "orders.invariant_broken"
_LIMIT = 20  # findings of each kind named in a summary


@dataclass(slots=True)
class InvariantReport:
    """Every finding, by kind (each list empty when all holds)."""

    ledger: LedgerReport
    freeze_mismatches: list[tuple[str, str, int, int]] = field(default_factory=list)
    missing_upstream: list[str] = field(default_factory=list)  # placed here, unknown there
    wrong_upstream: list[tuple[str, str | None, str]] = field(default_factory=list)
    orphans: list[tuple[str, str, str]] = field(default_factory=list)  # live there, not here
    in_flight: list[str] = field(default_factory=list)  # being placed: the saga will settle it
    held: list[str] = field(default_factory=list)  # waiting for an operator (an alarm)
    unreachable: list[str] = field(default_factory=list)  # the supplier could not be asked

    @property
    def holds(self) -> bool:
        """The invariants hold (in-flight and held sub-orders are not breaks)."""
        return self.ledger.in_balance and not (
            self.freeze_mismatches
            or self.missing_upstream
            or self.wrong_upstream
            or self.orphans
            or self.unreachable
        )

    def summary(self) -> dict[str, object]:
        return {
            "ledger": self.ledger.summary(),
            "freeze_mismatches": [list(map(str, row)) for row in self.freeze_mismatches[:_LIMIT]],
            "missing_upstream": self.missing_upstream[:_LIMIT],
            "wrong_upstream": [list(map(str, row)) for row in self.wrong_upstream[:_LIMIT]],
            "orphans": [list(row) for row in self.orphans[:_LIMIT]],
            "in_flight": self.in_flight[:_LIMIT],
            "held": self.held[:_LIMIT],
            "unreachable": self.unreachable[:_LIMIT],
        }


# Statuses that mean the supplier holds the order (a split parent included).
_PLACED = frozenset(SubOrderStatus) - {
    SubOrderStatus.PENDING,
    SubOrderStatus.CANCELLED,
    SubOrderStatus.FAILED,
}


async def check_invariants(
    database: Database, adapter_for: AdapterFor, *, since: datetime | None = None
) -> InvariantReport:
    """Check the books and every sub-order created since ``since`` (all when None)."""
    async with database.platform_transaction() as session:
        report = InvariantReport(ledger=await check_ledger(session, SYSTEM))
        report.freeze_mismatches = await repo.freeze_mismatches(session)
        subs = await repo.root_sub_orders(session, since)
    for number, supplier_id, status, recorded, attempts, held in subs:
        if held is not None:
            report.held.append(number)
            continue
        try:
            upstream = await look_up(await adapter_for(supplier_id), number)
        except SupplierError:
            report.unreachable.append(number)
            continue
        _judge(report, number, SubOrderStatus(status), recorded, attempts, upstream)
    return report


def _judge(
    report: InvariantReport,
    number: str,
    status: SubOrderStatus,
    recorded: str | None,
    attempts: int,
    upstream: UpstreamOrder | None,
) -> None:
    if status in _PLACED:
        if upstream is None:
            report.missing_upstream.append(number)
        elif upstream.supplier_order_id != recorded:
            report.wrong_upstream.append((number, recorded, upstream.supplier_order_id))
        return
    if upstream is None or upstream.status is UpstreamOrderStatus.CANCELLED:
        return
    if status is SubOrderStatus.PENDING and attempts > 0:
        report.in_flight.append(number)
    else:
        report.orphans.append((number, status.value, upstream.supplier_order_id))


async def run_invariant_check(
    database: Database, adapter_for: AdapterFor, *, since: datetime | None = None
) -> InvariantReport:
    """The check as a job or command runs it: a break is logged as an error and raised as an
    ``orders.invariant_broken`` domain event (the alert)."""
    report = await check_invariants(database, adapter_for, since=since)
    if report.holds:
        log.info("order invariants hold", held=len(report.held), in_flight=len(report.in_flight))
        return report
    log.error("order invariants broken", **report.summary())
    async with database.platform_transaction() as session:
        raise_event(session, BROKEN_EVENT, subject_type="orders", subject_id=0, **report.summary())
    return report
