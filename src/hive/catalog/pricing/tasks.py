"""The full reprice as a job: every product in chunks of ``pricing_reprice_chunk`` by id, each
chunk one statement in its own transaction, progress written after each chunk to its run and,
in the same transaction, to its :mod:`hive.platform.progress` row (the console's progress bar
and summary: products whose prices changed and those left as they were; ``/admin/jobs``).

Run again (a retry, or its worker died), it goes on after the last chunk its progress row
counted (a run without a row starts over: a chunk whose prices are already current writes
nothing, so repeating work is cheap and never wrong). A cancellation stops it after a chunk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from procrastinate.job_context import JobContext
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pricing import repository, service
from hive.catalog.pricing.repository import RepriceCounts
from hive.platform import progress
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

log = get_logger(__name__)
SPECIAL_PERIODS_LOCK = "pricing_special_periods"
SPECIAL_PERIODS_EVERY = timedelta(minutes=1)


@job_app.periodic(cron="* * * * *", periodic_id=SPECIAL_PERIODS_LOCK)
@job_app.task(
    name="hive.catalog.pricing.announce_special_periods",
    queue="catalog",
    pass_context=True,
    queueing_lock=SPECIAL_PERIODS_LOCK,
)
async def announce_special_periods_job(context: JobContext, timestamp: int) -> None:
    """Every minute: tenants whose special price started or ended in the minute up to the
    schedule's ``timestamp`` are told their new price (each minute is deferred once)."""
    until = datetime.fromtimestamp(timestamp, UTC)
    async with runtime_of(context).database.platform_transaction() as session:
        told = await service.announce_special_periods(session, until - SPECIAL_PERIODS_EVERY, until)
    if told:
        log.info("special price periods announced", events=told)


@job_app.task(name="hive.catalog.pricing.reprice_all", queue="catalog", pass_context=True)
async def reprice_all_job(context: JobContext, run_id: int, progress_id: int | None = None) -> None:
    runtime = runtime_of(context)
    settings = runtime.settings
    await run_full_reprice(
        runtime.database,
        run_id,
        chunk=settings.pricing_reprice_chunk,
        margin=settings.pricing_min_margin_percent,
        progress_id=progress_id,
    )


async def defer_full_reprice(session: AsyncSession, run_id: int, progress_id: int) -> int:
    """In the caller's transaction: have the worker run reprice run ``run_id`` reporting to
    progress row ``progress_id``; the job id."""
    return await defer_in_transaction(
        session, reprice_all_job, run_id=run_id, progress_id=progress_id
    )


async def run_full_reprice(
    database: Database,
    run_id: int,
    *,
    chunk: int,
    margin: Decimal,
    progress_id: int | None = None,
) -> RepriceCounts:
    """Reprice every product for every grade, ``chunk`` products per transaction; with
    ``progress_id``, advance that row after each chunk and end it."""
    resume_after: int | None = None
    if progress_id is not None:
        async with database.platform_transaction() as session:
            row = await progress.begin(session, progress_id)
            if row is None:  # ended (or cancelled while queued): nothing to do
                return RepriceCounts()
            resume_after = (row.cursor or {}).get("after")
    try:
        return await _reprice_chunks(database, run_id, chunk, margin, progress_id, resume_after)
    except Exception as error:
        if progress_id is not None:
            log.exception("reprice failed", run_id=run_id, progress_id=progress_id)
            async with database.platform_transaction() as session:
                await progress.finish(session, progress_id, progress.FAILED, error=_code_of(error))
        raise


def _code_of(error: Exception) -> str:
    return error.code if isinstance(error, HiveError) else "internal_error"


async def _reprice_chunks(
    database: Database,
    run_id: int,
    chunk: int,
    margin: Decimal,
    progress_id: int | None,
    resume_after: int | None,
) -> RepriceCounts:
    async with database.platform_transaction() as session:
        after, high, count = await repository.product_id_bounds(session)
        run = await repository.get_run(session, run_id)
        if run is None:
            log.warning("reprice run gone", run_id=run_id)
            return RepriceCounts()
        run.status = "running"
        if resume_after is None:
            run.total, run.done, run.changed = count, 0, 0
            if progress_id is not None:  # the products there are now
                await progress.advance(session, progress_id, done=0, planned=count)
        else:
            after = resume_after
    totals, end = RepriceCounts(), progress.FINISHED
    while after < high:
        async with database.platform_transaction() as session:
            upto = await repository.nth_product_id(session, after, chunk) or high
            params = {"after_id": after, "upto_id": upto}
            counts = await repository.reprice(session, "range", params, margin)
            await repository.record_progress(session, run_id, counts)
            cancelled = progress_id is not None and await progress.advance(
                session,
                progress_id,
                done=counts.products,
                counts={
                    "changed": counts.products_changed,
                    "kept": counts.products - counts.products_changed,
                },
                cursor={"after": upto},
            )
        totals, after = totals + counts, upto
        if cancelled:
            end = progress.CANCELLED
            break
    async with database.platform_transaction() as session:
        run = await repository.get_run(session, run_id)
        if run is not None:
            run.status, run.finished_at = "finished", func.now()
        if progress_id is not None:
            await progress.finish(session, progress_id, end)
    log.info(
        "prices recomputed", run_id=run_id, products=totals.products, changed=totals.prices_changed
    )
    return totals
