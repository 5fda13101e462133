"""The safety nets of order sync: periodic reconciliation and the timeouts.

**Reconciliation** (:func:`reconcile`, every 5 minutes): a bounded batch of unfinished
sub-orders placed upstream, the longest unchecked first (``sub_orders.checked_at``, never
checked first), each read from its supplier and repaired (:func:`hive.orders.sync.sync_sub_order`):
a sub-order stuck because a message was lost moves on. Calls go one at a time through the
supplier's adapter, so its rate limit applies; a supplier that is unavailable, limits us, or
whose breaker is open is left for the next run (its other sub-orders in the batch are
skipped), while a sub-order the supplier does not answer for, or whose split does not match
the order (``order_split_mismatch``), is logged and skipped: one bad sub-order never stops
the run.

**Timeouts** (:func:`time_out`, every minute), each through ``apply_event('timed_out')``,
which releases the freeze:

* *unsubmitted*: ``pending`` (accepted, never placed) for ``order_unsubmitted_timeout_s``.
  The supplier is asked whether the order reached it after all (``find_order`` by our
  number): if not, it is timed out; if it did, it is cancelled upstream first — and if the
  supplier refuses to cancel (in production), its order id is recorded and it is placed, so
  reconciliation follows it instead.
* *unconfirmed*: ``submitted`` (placed, not confirmed) for ``order_unconfirmed_timeout_s``.
  Its upstream order is read: still only reserved, it is cancelled upstream and timed out;
  moved on or cancelled upstream meanwhile (a lost message), it is synced instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import Counter

from hive.orders import repository, sync_repository
from hive.orders.lifecycle import apply_event
from hive.orders.status import Outcome, SubOrderEvent, SubOrderStatus
from hive.orders.sync import AdapterFor, apply_upstream, read_upstream, sync_sub_order
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.logging import get_logger
from hive.suppliers.errors import (
    BulkheadFull,
    CannotCancel,
    CircuitOpen,
    SupplierUnavailable,
    UpstreamOrderCancelled,
)
from hive.suppliers.types import UpstreamOrderStatus

log = get_logger(__name__)

# The supplier cannot take calls now: leave its sub-orders for the next run.
_SUPPLIER_DOWN = (SupplierUnavailable, CircuitOpen, BulkheadFull)


# A steady rise of "repaired" means supplier messages are being lost.
RECONCILED = Counter(
    "hive_order_reconciliation_total",
    "Sub-orders read by order reconciliation, by result",
    ["result"],
)


@dataclass
class Report:
    checked: int = 0
    repaired: int = 0  # read and found behind the supplier (a message was lost or late)
    failed: int = 0
    timed_out: int = 0


async def reconcile(database: Database, adapter_for: AdapterFor, *, batch: int) -> Report:
    """Read up to ``batch`` unfinished sub-orders from their suppliers and repair them (see
    the module docstring)."""
    async with database.platform_transaction() as session:
        numbers = await sync_repository.claim_for_reconciliation(session, batch)
    report, down = Report(), set[int]()
    for number in numbers:
        supplier_id = await _supplier_of(database, number)
        if supplier_id is None or supplier_id in down:
            continue
        try:
            changes = await sync_sub_order(database, adapter_for, number, via="reconciliation")
        except _SUPPLIER_DOWN as exc:
            RECONCILED.labels(result="skipped").inc()
            down.add(supplier_id)
            log.warning(
                "reconciliation: supplier unavailable", supplier_id=supplier_id, error=exc.code
            )
        except HiveError as exc:  # the supplier's refusal, or a split that does not match
            RECONCILED.labels(result="failed").inc()
            report.failed += 1
            log.warning(
                "reconciliation: sub-order not repaired", sub_order_no=number, error=exc.code
            )
        else:
            _count(report, number, changes)
    log.info(
        "reconciliation run",
        claimed=len(numbers),
        checked=report.checked,
        repaired=report.repaired,
        failed=report.failed,
    )
    return report


def _count(report: Report, number: str, changes: int | None) -> None:
    report.checked += 1
    if changes:
        report.repaired += 1
        log.warning("reconciliation repaired a sub-order", sub_order_no=number, changes=changes)
    RECONCILED.labels(result="repaired" if changes else "unchanged").inc()


async def sync_now(
    database: Database, adapter_for: AdapterFor, numbers: list[str]
) -> dict[str, str]:
    """Read these sub-orders from their suppliers now and repair them, as reconciliation does
    (``hive orders sync``); what each did: ``N changes``, ``unchanged``, ``not placed upstream
    yet``, ``unknown``, or ``error <code>``."""
    done: dict[str, str] = {}
    for number in numbers:
        if await _supplier_of(database, number) is None:
            done[number] = "unknown"
            continue
        try:
            changes = await sync_sub_order(database, adapter_for, number, via="operator")
        except HiveError as exc:
            done[number] = f"error {exc.code}"
            continue
        if changes is None:
            done[number] = "not placed upstream yet"
        else:
            done[number] = f"{changes} changes" if changes else "unchanged"
    return done


async def _supplier_of(database: Database, sub_order_no: str) -> int | None:
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, sub_order_no)
        return sub.supplier_id if sub else None


async def time_out(
    database: Database,
    adapter_for: AdapterFor,
    *,
    unsubmitted_after_s: int,
    unconfirmed_after_s: int,
    batch: int,
) -> Report:
    """Handle sub-orders unsubmitted or unconfirmed for too long (see the module docstring)."""
    report = Report()
    for status, after_s, handle in (
        (SubOrderStatus.PENDING, unsubmitted_after_s, _unsubmitted),
        (SubOrderStatus.SUBMITTED, unconfirmed_after_s, _unconfirmed),
    ):
        async with database.platform_transaction() as session:
            numbers = await sync_repository.timed_out(
                session, status, timedelta(seconds=after_s), batch
            )
        for number in numbers:
            try:
                report.timed_out += await handle(database, adapter_for, number)
            except HiveError as exc:
                report.failed += 1
                log.warning(
                    "timeout: sub-order left for later", sub_order_no=number, error=exc.code
                )
    return report


async def _unsubmitted(database: Database, adapter_for: AdapterFor, number: str) -> int:
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        supplier_id = sub.supplier_id if sub else None
    if supplier_id is None:
        return 0
    adapter = await adapter_for(supplier_id)
    upstream_id = await adapter.find_order(number)
    if upstream_id is not None:
        try:
            await adapter.cancel_order(upstream_id)
        except UpstreamOrderCancelled:
            pass
        except CannotCancel:
            return await _placed_after_all(database, number, upstream_id)
    return await _timed_out(
        database, number, SubOrderStatus.PENDING, reason="unsubmitted", upstream_id=upstream_id
    )


async def _placed_after_all(database: Database, number: str, upstream_id: str) -> int:
    """The order reached the supplier and cannot be cancelled: record it as placed."""
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        if sub is not None and sub.upstream_order_id is None:
            await sync_repository.record_upstream_id(session, sub, upstream_id)
        await apply_event(
            session, number, SubOrderEvent.PLACED, source="system", details={"via": "timeout"}
        )
    log.warning("unsubmitted sub-order found upstream in production", sub_order_no=number)
    return 0


async def _unconfirmed(database: Database, adapter_for: AdapterFor, number: str) -> int:
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        target = (sub.supplier_id, sub.upstream_order_id) if sub else None
    if target is None or target[1] is None:
        return 0
    adapter = await adapter_for(target[0])
    upstream = await read_upstream(adapter, target[1])
    if upstream.order.status is not UpstreamOrderStatus.RESERVED or upstream.order.children:
        async with database.platform_transaction() as session:
            await apply_upstream(session, number, upstream, via="timeout")
        return 0
    try:
        await adapter.cancel_order(target[1])
    except UpstreamOrderCancelled:
        pass
    except CannotCancel:
        return 0  # it moved on since: the next reconciliation follows it
    return await _timed_out(
        database, number, SubOrderStatus.SUBMITTED, reason="unconfirmed", upstream_id=target[1]
    )


async def _timed_out(
    database: Database,
    number: str,
    expected: SubOrderStatus,
    *,
    reason: str,
    upstream_id: str | None,
) -> int:
    """Time the sub-order out if it is still ``expected`` under the order's lock (the saga may
    have placed it while the supplier was asked)."""
    details = {"reason": reason, "upstream_order_id": upstream_id}
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        if sub is None or await repository.lock_order(session, sub.order_id) is None:
            return 0
        sub = await repository.find_sub_order(session, number)
        if sub is None or sub.status != expected.value:
            return 0
        decision = await apply_event(
            session, number, SubOrderEvent.TIMED_OUT, source="system", details=details
        )
    if decision.outcome is not Outcome.MOVED:
        return 0
    log.warning("sub-order timed out", sub_order_no=number, reason=reason)
    return 1
