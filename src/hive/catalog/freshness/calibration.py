"""Nightly calibration: every pool product of a supplier compared with the supplier, drift fixed.

The whole pool is read in 100-SKU batches (price, shelf state, stock: one call each) by enough
concurrent workers to keep the supplier's configured per-method rate busy — the adapter's
guard spaces the calls out at exactly that rate, so the run uses the budget without exceeding
it. Each batch is applied in its own transaction (history rows and domain events with source
``calibration``) and stamped ``calibrated_at``. What drifted — counts per field and a few
examples — is logged and stored as a ``catalog.pool_calibrated`` domain event.

``on_batch`` hears of each batch as it ends (its SKUs and what came of them, or the supplier's
error) and answers whether to stop: the job reports its progress through it and stops there
when a cancellation was asked (the batches under way finish; no new one starts).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hive.catalog.freshness import repository as fresh_repo
from hive.catalog.freshness.refresh import BATCH, PRICE_SHELF_STOCK, RefreshReport, refresh_batch
from hive.platform.db import Database
from hive.platform.domain_events import raise_event
from hive.platform.logging import get_logger
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
# A batch ended: its SKUs, what the refresh did (None when the supplier failed), the error (or
# None); answers whether the calibration should stop.
BatchDone = Callable[[Sequence[str], RefreshReport | None, SupplierError | None], Awaitable[bool]]


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
) -> CalibrationReport:
    """Calibrate the whole pool of ``adapter``'s supplier; stores and logs the report."""
    report = CalibrationReport(adapter.supplier_id)
    queue: asyncio.Queue[list[str] | None] = asyncio.Queue(maxsize=2 * in_flight)
    started = time.perf_counter()

    async def work() -> None:
        while (chunk := await queue.get()) is not None:
            if report.stopped:
                continue  # drained, not read
            batch, error = await _calibrate_batch(database, adapter, chunk, stock_areas, report)
            if on_batch is not None and await on_batch(chunk, batch, error):
                report.stopped = True

    async with asyncio.TaskGroup() as group:
        for _ in range(in_flight):
            group.create_task(work())
        await _produce(database, adapter.supplier_id, queue, report)
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
    queue: asyncio.Queue[list[str] | None],
    report: CalibrationReport,
) -> None:
    after_id = 0
    while not report.stopped:
        async with database.platform_transaction() as session:
            rows = await fresh_repo.pool_page(session, supplier_id, after_id=after_id, limit=BATCH)
        if not rows:
            return
        after_id = rows[-1]["id"]
        await queue.put([row["supplier_sku"] for row in rows])


async def _calibrate_batch(
    database: Database,
    adapter: SupplierAdapter,
    skus: list[str],
    stock_areas: Sequence[Area],
    report: CalibrationReport,
) -> tuple[RefreshReport | None, SupplierError | None]:
    report.batches += 1
    try:
        batch = await refresh_batch(
            database,
            adapter,
            skus,
            PRICE_SHELF_STOCK,
            "calibration",
            stock_areas,
            stamp="calibrated_at",
        )
    except SupplierError as error:
        report.failed += len(skus)
        report.errors[error.code] += 1
        report.last_error = error
        return None, error
    report.add(batch)
    return batch, None
