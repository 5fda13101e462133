"""Pool freshness jobs: the feed's refresh of SKUs, the active refresh, the nightly calibration.

Every job uses the worker's :class:`~hive.platform.jobs.JobRuntime` (its database and supplier
adapters, built once per process); the delivery areas whose stock the pool keeps come from its
settings (:func:`stock_areas`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.freshness import calibration, refresh
from hive.catalog.freshness import repository as fresh_repo
from hive.catalog.snapshot import parse_areas
from hive.platform import progress, unit_of_work
from hive.platform.actor import SYSTEM, Actor
from hive.platform.audit import record_audit
from hive.platform.db import raw_connection
from hive.platform.errors import HiveError
from hive.platform.jobs import (
    JobRuntime,
    daily_at,
    defer_in_transaction,
    job_app,
    runtime_of,
    session_runtime,
)
from hive.platform.logging import get_logger
from hive.platform.permissions import Action, require
from hive.platform.progress_ranges import ranges_of
from hive.suppliers import service as suppliers
from hive.suppliers.errors import SupplierError
from hive.suppliers.types import Area

FEED_QUEUE = "catalog_feed"
POOL_QUEUE = "catalog"
ACTIVE_REFRESH_LOCK = "catalog_refresh_active_products"
CALIBRATION_LOCK = "catalog_calibrate_pool"
# Products viewed or ordered within this window are refreshed every 30 minutes.
ACTIVE_WINDOW = timedelta(days=1)
# A refresh the supplier failed is retried after 5 s, 10 s, 20 s … (about 3 hours in all).
FEED_RETRY = RetryStrategy(max_attempts=12, exponential_wait=5)
_SPACE = re.compile(r"\s")
log = get_logger("hive.catalog.freshness.tasks")


class RefreshIncomplete(HiveError):
    code = "pool_refresh_incomplete"
    http_status = 503
    default_message = "供应商暂不可用，稍后重试 / Supplier unavailable, will retry"


def stock_areas(runtime: JobRuntime) -> list[Area]:
    """The delivery areas whose stock the pool keeps (``HIVE_POOL_STOCK_AREAS``)."""
    return parse_areas(runtime.settings.pool_stock_areas)


@job_app.task(
    name="hive.catalog.refresh_pool_skus", queue=FEED_QUEUE, pass_context=True, retry=FEED_RETRY
)
async def refresh_pool_skus(
    context: JobContext, supplier_id: int, skus: list[str], aspects: list[str]
) -> int:
    """Deferred by the feed handlers: read ``skus`` from the supplier and apply them.

    Raises (so the job is retried later) when any batch could not be read; batches that were
    read are applied whole, and applying them again later changes nothing.
    """
    runtime = runtime_of(context)
    adapter = await runtime.adapter_for(supplier_id)
    report = await refresh.refresh_skus(
        runtime.database,
        adapter,
        skus,
        aspects=[refresh.Aspect(a) for a in aspects],
        source="feed",
        stock_areas=stock_areas(runtime),
    )
    if report.failed:
        raise RefreshIncomplete(details={"failed": len(report.failed), "skus": len(skus)})
    return len(report.changed)


@job_app.task(
    name="hive.catalog.refresh_feed_plan", queue=FEED_QUEUE, pass_context=True, retry=FEED_RETRY
)
async def refresh_feed_plan(
    context: JobContext, supplier_id: int, plan: dict[str, str | list[str]]
) -> int:
    """One feed batch's merged refresh (``{"price,shelf": [sku, …], …}``): read and apply.

    Raises (so the job is retried later) when any batch could not be read; what was read is
    applied, and applying it again later changes nothing.
    """
    runtime = runtime_of(context)
    adapter = await runtime.adapter_for(supplier_id)
    report = refresh.RefreshReport()
    for aspects, skus in decode_plan(plan).items():
        report.merge(
            await refresh.refresh_skus(
                runtime.database,
                adapter,
                skus,
                aspects=aspects,
                source="feed",
                stock_areas=stock_areas(runtime),
            )
        )
    if report.failed:
        raise RefreshIncomplete(details={"failed": len(report.failed), "skus": report.refreshed})
    return len(report.changed)


def encode_plan(plan: refresh.Plan) -> dict[str, str | list[str]]:
    """A plan as job arguments: ``{"price,shelf": "sku sku …"}``.

    SKUs travel space-joined: procrastinate escapes every quote of its arguments one by one,
    and a thousand quoted SKUs cost more to defer than the rest of the feed batch. A group
    holding a SKU with white space in it travels as a list.
    """
    return {
        ",".join(sorted(a.value for a in aspects)): (
            skus if any(_SPACE.search(sku) for sku in skus) else " ".join(skus)
        )
        for aspects, skus in plan.items()
    }


def decode_plan(plan: Mapping[str, str | Sequence[str]]) -> refresh.Plan:
    return {
        tuple(refresh.Aspect(a) for a in key.split(",")): (
            skus.split(" ") if isinstance(skus, str) else list(skus)
        )
        for key, skus in plan.items()
    }


async def defer_feed_refresh(session: AsyncSession, supplier_id: int, plan: refresh.Plan) -> None:
    """In the message transaction: one job for the pool SKUs of ``plan`` (others dropped).

    When the process bound its job runtime to the session (the worker's feed consumer does),
    the bulk part is also refreshed right after the commit
    (:func:`refresh_inline`); the job then waits ``HIVE_FEED_REFRESH_FALLBACK_DELAY_S`` and is
    deleted, or
    narrowed to what is left, once that refresh has applied.
    """
    everything = {sku for skus in plan.values() for sku in skus}
    pooled = await fresh_repo.pooled_skus(session, supplier_id, everything)
    kept = {a: sorted(pooled.intersection(skus)) for a, skus in plan.items()}
    kept = {a: skus for a, skus in kept.items() if skus}
    if not kept:
        return
    runtime = session_runtime(session)
    inline = runtime is not None and any(refresh.Aspect.INFO not in a for a in kept)
    delay = int(runtime.settings.feed_refresh_fallback_delay_s) if runtime and inline else 0
    job_id = await _defer_plan(session, supplier_id, kept, delay)
    if inline and runtime is not None:
        unit_of_work.after_commit(
            session, partial(refresh_inline, runtime, supplier_id, kept, job_id)
        )


async def _defer_plan(
    session: AsyncSession, supplier_id: int, plan: refresh.Plan, delay_s: int
) -> int:
    task = refresh_feed_plan.configure(
        connection=await raw_connection(session), schedule_in={"seconds": delay_s}
    )
    encoded: Any = encode_plan(plan)  # JSON for procrastinate
    job_id: int = await task.defer_async(supplier_id=supplier_id, plan=encoded)
    return job_id


async def refresh_inline(
    runtime: JobRuntime, supplier_id: int, plan: refresh.Plan, job_id: int
) -> None:
    """After the message commit: refresh the bulk part of ``plan`` now, then delete the
    fallback job, deferring at once a job for what is left (details, failed reads)."""
    adapter = await runtime.adapter_for(supplier_id)
    bulk = {a: skus for a, skus in plan.items() if refresh.Aspect.INFO not in a}
    rest = {a: skus for a, skus in plan.items() if a not in bulk}

    async def settle(session: AsyncSession, failed: refresh.Plan) -> None:
        left = {**rest, **failed}
        if await _delete_job(session, job_id) and left:
            await _defer_plan(session, supplier_id, left, 0)

    await refresh.refresh_plan(
        runtime.database,
        adapter,
        bulk,
        source="feed",
        stock_areas=stock_areas(runtime),
        settle=settle,
        in_flight=runtime.settings.feed_inline_in_flight,
    )


async def _delete_job(session: AsyncSession, job_id: int) -> bool:
    """Delete a job not started yet (in ``session``'s transaction); False if it has started."""
    connection = await raw_connection(session)
    deleted: bool = await job_app.job_manager.cancel_job_by_id_async(
        job_id, delete_job=True, connection=connection
    )
    return deleted


@job_app.periodic(cron="*/30 * * * *", periodic_id=ACTIVE_REFRESH_LOCK)
@job_app.task(
    name="hive.catalog.refresh_active_products",
    queue=POOL_QUEUE,
    pass_context=True,
    queueing_lock=ACTIVE_REFRESH_LOCK,
)
async def refresh_active_products(context: JobContext, timestamp: int) -> int:
    """Every 30 minutes: price, shelf and stock of products viewed or ordered lately."""
    runtime = runtime_of(context)
    since = datetime.fromtimestamp(timestamp, UTC) - ACTIVE_WINDOW
    report = await refresh.refresh_recent(
        runtime.database, runtime.adapter_for, since=since, stock_areas=stock_areas(runtime)
    )
    log.info(
        "active products refreshed",
        refreshed=report.refreshed,
        changed=len(report.changed),
        failed=len(report.failed),
        fields=dict(report.fields),
    )
    return report.refreshed


CALIBRATE_KIND = "catalog.calibrate_pool"
# Why products of a calibration were skipped: gone from the pool while it ran.
LEFT_POOL = "left_pool"


@job_app.periodic(cron=daily_at(2, 30), periodic_id=CALIBRATION_LOCK)
@job_app.task(
    name="hive.catalog.calibrate_pool",
    queue=POOL_QUEUE,
    pass_context=True,
    queueing_lock=CALIBRATION_LOCK,
)
async def calibrate_pool(context: JobContext, timestamp: int) -> int:
    """Every night at 02:30: calibrate every supplier's pool within its rate budget, reporting
    through a progress row asked by the system (one per job, kept over its attempts)."""
    runtime = runtime_of(context)
    job_id = context.job.id
    assert job_id is not None  # a job read from the queue has its id
    async with runtime.database.platform_transaction() as session:
        row = await progress.progress_of_job(session, CALIBRATE_KIND, job_id)
        if row is None:
            planned = await fresh_repo.pool_size(session, await _calibrated_ids(session))
            row = await progress.start_progress(
                session, SYSTEM, CALIBRATE_KIND, params={"scheduled": True}, planned=planned
            )
            row.job_id = job_id
        progress_id = row.id
    return await calibrate_all(runtime, progress_id=progress_id)


async def start_calibration(session: AsyncSession, actor: Actor) -> progress.JobProgress:
    """In the caller's transaction: a calibration of every supplier's pool now, as a job with
    progress (planned: the pool products it will read). Raises ``PermissionDenied``."""
    require(actor, Action.CALIBRATE_POOL)
    planned = await calibration_size(session)
    row = await progress.start_progress(
        session, actor, CALIBRATE_KIND, params={"scheduled": False}, planned=planned
    )
    row.job_id = await defer_in_transaction(session, calibrate_now_job, progress_id=row.id)
    await record_audit(
        session,
        actor,
        "pool.calibrate_requested",
        target_type="job_progress",
        target_id=row.id,
        details={"planned": planned},
    )
    return row


async def calibration_size(session: AsyncSession) -> int:
    """How many pool products a calibration now would read (those of enabled suppliers)."""
    return await fresh_repo.pool_size(session, await _calibrated_ids(session))


async def _calibrated_ids(session: AsyncSession) -> list[int]:
    enabled = {s.id for s in await suppliers.list_suppliers(session) if s.enabled}
    return [i for i in await fresh_repo.pooled_supplier_ids(session) if i in enabled]


@job_app.task(name="hive.catalog.calibrate_now", queue=POOL_QUEUE, pass_context=True)
async def calibrate_now_job(context: JobContext, progress_id: int) -> int:
    """A calibration asked in the console (:func:`start_calibration`)."""
    return await calibrate_all(runtime_of(context), progress_id=progress_id)


async def calibrate_all(runtime: JobRuntime, *, progress_id: int | None = None) -> int:
    """Calibrate the pool of each enabled supplier that has pool products; products checked.
    With ``progress_id``, each batch advances that row (changed, unchanged, failed with the
    supplier's reason) and its resume cursor (the product ids it covered, by supplier) in the
    batch's own transaction, and a cancellation stops the calibration; a second attempt (its
    worker died) reads only the products no batch of an earlier one finished, so the row's
    counts and ``done`` go on adding up over the whole run."""
    database = runtime.database
    cursor: dict[str, Any] = {}
    if progress_id is not None:
        async with database.platform_transaction() as session:
            row = await progress.begin(session, progress_id)
            if row is None:
                return 0
            cursor = dict(row.cursor or {})
    try:
        checked, end = await _calibrate_suppliers(runtime, progress_id, cursor)
    except Exception as error:
        if progress_id is not None:
            log.exception("calibration failed", progress_id=progress_id)
            code = error.code if isinstance(error, HiveError) else "internal_error"
            async with database.platform_transaction() as session:
                await progress.finish(session, progress_id, progress.FAILED, error=code)
        raise
    if progress_id is not None:
        async with database.platform_transaction() as session:
            await progress.finish(session, progress_id, end)
    return checked


async def _calibrate_suppliers(
    runtime: JobRuntime, progress_id: int | None, cursor: Mapping[str, Any]
) -> tuple[int, str]:
    async with runtime.database.platform_transaction() as session:
        pooled = await fresh_repo.pooled_supplier_ids(session)
        rows = {s.id: s for s in await suppliers.list_suppliers(session)}
    checked = 0
    for supplier_id in pooled:
        supplier = rows.get(supplier_id)
        if supplier is None or not supplier.enabled:
            continue
        adapter = await runtime.adapter_for(supplier_id)
        in_flight = calibration.in_flight_for(
            supplier.rate_limits, runtime.settings.supplier_default_qps
        )
        lane = str(supplier_id)
        report = await calibration.calibrate_supplier(
            runtime.database,
            adapter,
            in_flight=in_flight,
            stock_areas=stock_areas(runtime),
            on_batch=None if progress_id is None else partial(_advance, progress_id, lane),
            done=ranges_of(cursor, lane),
        )
        checked += report.checked
        if report.stopped:
            return checked, progress.CANCELLED
    return checked, progress.FINISHED


async def _advance(
    progress_id: int,
    lane: str,
    session: AsyncSession,
    batch: calibration.Batch,
    refreshed: refresh.RefreshReport | None,
    error: SupplierError | None,
) -> bool:
    """Count one calibrated batch on the progress row and mark its products done, in the
    batch's transaction; whether a cancellation was asked."""
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    skus = batch.skus
    if refreshed is None:
        counts["failed"] = len(skus)
        reasons[error.code if error is not None else "supplier_error"] = len(skus)
    else:
        counts["changed"] = len(refreshed.changed)
        counts["kept"] = refreshed.refreshed - len(refreshed.changed)
        if gone := len(skus) - refreshed.refreshed:
            counts["skipped"] = reasons[LEFT_POOL] = gone
    return await progress.advance(
        session,
        progress_id,
        done=len(skus),
        counts=counts,
        reasons=reasons,
        covered=progress.IdRange(lane, batch.after, batch.upto),
    )
