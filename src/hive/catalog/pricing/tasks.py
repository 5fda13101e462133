"""The full reprice as a job: every product in chunks of ``pricing_reprice_chunk`` by id, each
chunk one statement in its own transaction, which also advances the run's
:mod:`hive.platform.progress` row (the one record of the run: the console's progress bar and
summary, products whose prices changed and those left as they were, ``/admin/jobs`` and the
pricing page's latest runs) and its resume cursor, the product ids it covered
(:mod:`hive.platform.progress_ranges`).

Run again (a retry, or its worker died), it goes on after the last chunk that committed: no
chunk is repriced twice and the row's counts add up over the attempts. A cancellation stops it
after a chunk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pricing import repository, service
from hive.catalog.pricing.repository import RepriceCounts
from hive.platform import progress
from hive.platform import progress_ranges as ranges
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

log = get_logger(__name__)
SPECIAL_PERIODS_LOCK = "pricing_special_periods"
SPECIAL_PERIODS_EVERY = timedelta(minutes=1)
# The reprice's one lane of product ids in its resume cursor (hive.platform.progress_ranges).
LANE = ""


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
async def reprice_all_job(context: JobContext, progress_id: int, run_id: int | None = None) -> None:
    """A full reprice reporting to progress row ``progress_id`` (``run_id``: a job deferred
    before migration 0035 named its ``pricing_reprice_runs`` row too; it is not read)."""
    runtime = runtime_of(context)
    settings = runtime.settings
    await run_full_reprice(
        runtime.database,
        progress_id,
        chunk=settings.pricing_reprice_chunk,
        margin=settings.pricing_min_margin_percent,
    )


async def defer_full_reprice(session: AsyncSession, progress_id: int) -> int:
    """In the caller's transaction: have the worker run the reprice of progress row
    ``progress_id``; the job id."""
    return await defer_in_transaction(session, reprice_all_job, progress_id=progress_id)


async def run_full_reprice(
    database: Database, progress_id: int, *, chunk: int, margin: Decimal
) -> RepriceCounts:
    """Reprice every product for every grade, ``chunk`` products per transaction, advancing
    progress row ``progress_id`` after each chunk (in its transaction) and ending it; the
    counts of this attempt."""
    async with database.platform_transaction() as session:
        row = await progress.begin(session, progress_id)
        if row is None:  # ended (or cancelled while queued): nothing to do
            return RepriceCounts()
        resume_after = ranges.resume_after(row.cursor, LANE)
        _, high, count = await repository.product_id_bounds(session)
        if not row.done:  # a first attempt: the products there are now
            await progress.advance(session, progress_id, done=0, planned=count)
    try:
        return await _reprice_chunks(database, progress_id, chunk, margin, resume_after, high)
    except Exception as error:
        log.exception("reprice failed", progress_id=progress_id)
        async with database.platform_transaction() as session:
            await progress.finish(session, progress_id, progress.FAILED, error=_code_of(error))
        raise


def _code_of(error: Exception) -> str:
    return error.code if isinstance(error, HiveError) else "internal_error"


async def _reprice_chunks(
    database: Database, progress_id: int, chunk: int, margin: Decimal, after: int, high: int
) -> RepriceCounts:
    totals, end = RepriceCounts(), progress.FINISHED
    while after < high:
        async with database.platform_transaction() as session:
            upto = await repository.nth_product_id(session, after, chunk) or high
            params = {"after_id": after, "upto_id": upto}
            counts = await repository.reprice(session, "range", params, margin)
            cancelled = await progress.advance(
                session,
                progress_id,
                done=counts.products,
                counts={
                    "changed": counts.products_changed,
                    "kept": counts.products - counts.products_changed,
                },
                covered=progress.IdRange(LANE, after, upto),
            )
        totals, after = totals + counts, upto
        if cancelled:
            end = progress.CANCELLED
            break
    async with database.platform_transaction() as session:
        await progress.finish(session, progress_id, end)
    log.info(
        "prices recomputed",
        progress_id=progress_id,
        products=totals.products,
        changed=totals.prices_changed,
    )
    return totals
