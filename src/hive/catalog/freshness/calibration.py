"""Nightly calibration: every pool product of a supplier compared with the supplier, drift fixed.

The whole pool is read in 100-SKU batches (price, shelf state, stock: one call each) by enough
concurrent workers to keep the supplier's configured per-method rate busy — the adapter's
guard spaces the calls out at exactly that rate, so the run uses the budget without exceeding
it. Each batch is applied in its own transaction (history rows and domain events with source
``calibration``) and stamped ``calibrated_at``. What drifted — counts per field and a few
examples — is logged and stored as a ``catalog.pool_calibrated`` domain event.

``on_batch`` hears of each batch as it ends (the batch: its SKUs and the range of product ids it
covers, and what came of it, or the supplier's error), in the transaction that applied the
batch (a batch the supplier failed: a transaction of its own), and answers whether to stop: the
job advances its progress row and resume cursor through it, so they commit with the batch's
writes, and stops there when a cancellation was asked (the batches under way finish; no new one
starts). ``done`` names the id ranges an earlier attempt finished (its worker died): the pool
is read on after the first gap, and products a range covers are not read again.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.freshness import repository as fresh_repo
from hive.catalog.freshness.refresh import BATCH, PRICE_SHELF_STOCK, RefreshReport, refresh_batch
from hive.platform.db import Database
from hive.platform.domain_events import raise_event
from hive.platform.logging import get_logger
from hive.platform.progress_ranges import done_through, is_done
from hive.suppliers.errors import SupplierError
from hive.suppliers.health import CALIBRATION, OK, AccessStatus, record_outcome
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area

CALIBRATED_EVENT = "catalog.pool_calibrated"
EXAMPLES_PER_FIELD = 5
# Concurrent batches: about one per call/s of the fastest method's budget (a call rarely
# takes a second), within these bounds.
MIN_IN_FLIGHT, MAX_IN_FLIGHT = 2, 32

log = get_logger("hive.catalog.freshness.calibration")


@dataclass(frozen=True, slots=True)
class Batch:
    """Pool products read together: ``skus``, those of the supplier's pool with
    ``after < id <= upto`` that no earlier attempt finished."""

    skus: list[str]
    after: int
    upto: int


# A batch ended (called in its transaction): what the refresh did (None when the supplier
# failed), the error (or None); answers whether the calibration should stop.
BatchDone = Callable[
    [AsyncSession, Batch, RefreshReport | None, SupplierError | None], Awaitable[bool]
]


@dataclass
class CalibrationReport:
    supplier_id: int
    checked: int = 0  # pool products compared with the supplier
    drifted_products: int = 0
    drifted: Counter[str] = field(default_factory=Counter)  # products per drifted field
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failed: int = 0  # products whose batch the supplier failed (left as they were)
    errors: Counter[str] = field(default_factory=Counter)  # failed batches per error code
    batches: int = 0
    elapsed_s: float = 0.0
    last_error: SupplierError | None = field(default=None, repr=False)  # for the supplier page
    stopped: bool = False  # on_batch asked to stop before the whole pool was read

    def add(self, batch: RefreshReport) -> None:
        self.checked += batch.refreshed
        self.drifted_products += len(batch.changed)
        for sku, changes in batch.changed.items():
            for name, (old, new) in changes.items():
                self.drifted[name] += 1
                examples = self.examples.setdefault(name, [])
                if len(examples) < EXAMPLES_PER_FIELD:
                    examples.append({"sku": sku, "from": old, "to": new})

    def payload(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "drifted_products": self.drifted_products,
            "drifted": dict(self.drifted),
            "examples": self.examples,
            "failed": self.failed,
            "errors": dict(self.errors),
            "batches": self.batches,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def in_flight_for(rate_limits: Mapping[str, float], default_qps: float) -> int:
    """Concurrent batches that keep the supplier's fastest configured rate busy."""
    fastest = max([default_qps, *rate_limits.values()])
    return max(MIN_IN_FLIGHT, min(MAX_IN_FLIGHT, math.ceil(fastest)))


async def calibrate_supplier(
    database: Database,
    adapter: SupplierAdapter,
    *,
    in_flight: int,
    stock_areas: Sequence[Area],
    on_batch: BatchDone | None = None,
    done: Sequence[tuple[int, int]] = (),
) -> CalibrationReport:
    """Calibrate the pool of ``adapter``'s supplier (but the id ranges ``done``); stores and
    logs the report."""
    report = CalibrationReport(adapter.supplier_id)
    queue: asyncio.Queue[Batch | None] = asyncio.Queue(maxsize=2 * in_flight)
    started = time.perf_counter()

    async def work() -> None:
        while (batch := await queue.get()) is not None:
            if not report.stopped:  # else drained, not read
                await _calibrate_batch(database, adapter, batch, stock_areas, report, on_batch)

    async with asyncio.TaskGroup() as group:
        for _ in range(in_flight):
            group.create_task(work())
        await _produce(database, adapter.supplier_id, queue, report, done)
        for _ in range(in_flight):
            await queue.put(None)
    report.elapsed_s = time.perf_counter() - started
    async with database.platform_transaction() as session:
        raise_event(
            session,
            CALIBRATED_EVENT,
            subject_type="supplier",
            subject_id=adapter.supplier_id,
            **report.payload(),
        )
        error = report.last_error
        status = AccessStatus.of(error) if error is not None else AccessStatus(OK)
        await record_outcome(session, adapter.supplier_id, CALIBRATION, status)
    log.info("pool calibrated", supplier_id=adapter.supplier_id, **report.payload())
    return report


async def _produce(
    database: Database,
    supplier_id: int,
    queue: asyncio.Queue[Batch | None],
    report: CalibrationReport,
    done: Sequence[tuple[int, int]],
) -> None:
    """Queue the pool in id order, ``BATCH`` products a batch, from the end of the first range
    ``done`` on, leaving out the products a later range covers."""
    after_id = done_through(done)
    skus: list[str] = []
    start = after_id
    while not report.stopped:
        async with database.platform_transaction() as session:
            rows = await fresh_repo.pool_page(session, supplier_id, after_id=after_id, limit=BATCH)
        if not rows:
            break
        for row in rows:
            after_id = row["id"]
            if is_done(done, after_id):
                continue
            skus.append(row["supplier_sku"])
            if len(skus) == BATCH:
                await queue.put(Batch(skus, start, after_id))
                skus, start = [], after_id
    if skus and not report.stopped:
        await queue.put(Batch(skus, start, after_id))


async def _calibrate_batch(
    database: Database,
    adapter: SupplierAdapter,
    batch: Batch,
    stock_areas: Sequence[Area],
    report: CalibrationReport,
    on_batch: BatchDone | None,
) -> None:
    """Read and apply one batch; ``on_batch`` hears of it in the apply transaction (a failed
    batch: in one of its own)."""
    report.batches += 1
    stop = False

    async def applied(session: AsyncSession, refreshed: RefreshReport) -> None:
        nonlocal stop
        if on_batch is not None:
            stop = await on_batch(session, batch, refreshed, None)

    try:
        refreshed = await refresh_batch(
            database,
            adapter,
            batch.skus,
            PRICE_SHELF_STOCK,
            "calibration",
            stock_areas,
            stamp="calibrated_at",
            applied=applied,
        )
    except SupplierError as error:
        report.failed += len(batch.skus)
        report.errors[error.code] += 1
        report.last_error = error
        if on_batch is not None:
            async with database.platform_transaction() as session:
                stop = await on_batch(session, batch, None, error)
    else:
        report.add(refreshed)
    if stop:
        report.stopped = True
