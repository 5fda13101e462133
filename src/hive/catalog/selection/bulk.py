"""Every hit of a live supplier search into the pool ("本次搜索全部入池"), as a job.

The console asks first (the dialog states the hit count and the cap), then
:func:`start_bulk_select` records a :class:`~hive.platform.progress.JobProgress` row and defers
:func:`select_all_job` in the same transaction. The job walks the search page by page
(:data:`PAGE_SIZE` hits a page, each page one chunk of :func:`selection.select_skus`, which
commits with its selection records) and advances the row after each page: done, added,
restored, already in the pool, failed with its reasons. Hits past the cap
(``HIVE_UPSTREAM_SELECT_ALL_LIMIT``) are never read and are reported as skipped with the reason
``over_cap``: nothing is dropped silently.

Supplier calls go through the worker's shared adapters, so they wait on the supplier's rate
limit like every other call. The row's cursor (next page, hits handled) makes the job
resumable: run again after its worker died, or retried after the supplier failed, it goes on
from the page it had reached. A page whose products committed just before the worker died (its
selection records carry the action's id) is not selected again: its SKUs count as their
records say, so every hit is recorded and counted once. Cancelling (the console sets
``cancel_requested``) stops it after the current page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.freshness.tasks import stock_areas
from hive.catalog.selection import repository
from hive.catalog.selection import service as selection
from hive.catalog.selection.forms import read_search_form, search_query
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.errors import HiveError
from hive.platform.jobs import JobRuntime, defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger
from hive.platform.permissions import Action, require

BULK_SELECT = "catalog.select_all"
PAGE_SIZE = 100
# The deepest page a supplier search answers (the search form's own limit).
MAX_PAGES = 100
# Why hits of the search were skipped: past the cap, past the deepest page the supplier
# answers, or counted by the supplier but not returned (a cancelled action counts what it left
# with the reason "cancelled": hive.platform.progress).
OVER_CAP = "over_cap"
BEYOND_SEARCH = "beyond_search_depth"
NOT_RETURNED = "not_returned_by_supplier"
# Fields of the upstream search form the job repeats.
SEARCH_FIELDS = ("keyword", "category_id", "brand", "min_yuan", "max_yuan", "sort")
# A supplier that fails is tried again after 3 s, 6 s, 12 s … (about 25 minutes in all).
BULK_RETRY = RetryStrategy(max_attempts=10, exponential_wait=3)

log = get_logger("hive.catalog.selection.bulk")


async def start_bulk_select(
    session: AsyncSession,
    actor: Actor,
    supplier_id: int,
    search: Mapping[str, str],
    *,
    hits: int,
    cap: int,
) -> progress.JobProgress:
    """In the caller's transaction: a progress row for selecting the ``hits`` hits of
    ``search`` (at most ``cap``) and the job that does it. Raises ``InvalidSearchForm`` for a
    search the supplier form refuses, ``Forbidden`` for a role that may not select."""
    require(actor, Action.SELECT_PRODUCTS)
    fields = {k: str(v) for k, v in search.items() if k in SEARCH_FIELDS and v}
    search_query(read_search_form({**fields, "supplier_id": str(supplier_id)}))  # validates
    params = {"supplier_id": supplier_id, "search": fields, "hits": hits, "cap": cap}
    row = await progress.start_progress(
        session, actor, BULK_SELECT, params=params, planned=min(hits, cap)
    )
    row.job_id = await defer_in_transaction(session, select_all_job, progress_id=row.id)
    await record_audit(
        session,
        actor,
        "pool.select_all_requested",
        target_type="supplier",
        target_id=supplier_id,
        details={"progress_id": row.id, "search": fields, "hits": hits, "cap": cap},
    )
    return row


async def select_next_page(runtime: JobRuntime, progress_id: int) -> bool:
    """Handle the next page of the action's search; whether there is more to do (False once
    it has finished, was cancelled, or is gone)."""
    async with runtime.database.platform_transaction() as session:
        row = await progress.begin(session, progress_id)
        if row is None:
            return False
        params, cursor, actor = dict(row.params), dict(row.cursor), progress.actor_of(row)
    page, handled, cap = int(cursor.get("page", 1)), int(cursor.get("handled", 0)), params["cap"]
    adapter = await runtime.adapter_for(int(params["supplier_id"]))
    form = read_search_form(
        {**params["search"], "supplier_id": str(params["supplier_id"]), "page": str(page)}
    )
    result = await adapter.search(search_query(form, page_size=PAGE_SIZE))
    skus = [hit.sku for hit in result.hits][: max(0, cap - handled)]
    async with runtime.database.platform_transaction() as session:
        recorded = await repository.outcomes_recorded_by_progress(session, progress_id, skus)
    report = _report_of(recorded)
    fresh = [sku for sku in skus if sku not in recorded]
    if fresh:
        report.merge(
            await selection.select_skus(
                runtime.database,
                adapter,
                actor,
                fresh,
                stock_areas=stock_areas(runtime),
                progress_id=progress_id,
            )
        )
    handled += len(skus)
    last = (
        not result.hits or page * PAGE_SIZE >= result.total or handled >= cap or page >= MAX_PAGES
    )
    counts, reasons = _outcome(report)
    if last:
        _count_unread(counts, reasons, result.total - handled, _why_unread(handled, cap, page))
    async with runtime.database.platform_transaction() as session:
        cancelled = await progress.advance(
            session,
            progress_id,
            done=len(skus),
            counts=counts,
            reasons=reasons,
            cursor={"page": page + 1, "handled": handled},
            planned=min(max(result.total, handled), cap),
        )
        if last or cancelled:
            end = progress.FINISHED if last else progress.CANCELLED
            await progress.finish(session, progress_id, end)
    return not (last or cancelled)


def _report_of(recorded: Mapping[str, tuple[str, str]]) -> selection.SelectionReport:
    """What an earlier attempt did to SKUs of this page, as their selection records say (the
    page committed, then its worker died before the row advanced)."""
    report = selection.SelectionReport()
    for sku, (outcome, reason) in recorded.items():
        if outcome == "failed":
            report.failed[sku] = reason
        else:
            getattr(report, reason if reason in ("added", "restored") else "unchanged").append(sku)
    return report


def _why_unread(handled: int, cap: int, page: int) -> str:
    if handled >= cap:
        return OVER_CAP
    return BEYOND_SEARCH if page >= MAX_PAGES else NOT_RETURNED


def _count_unread(counts: dict[str, int], reasons: dict[str, int], n: int, why: str) -> None:
    """Hits the action leaves unread: skipped, with the reason (never dropped silently)."""
    if n > 0:
        counts["skipped"] = n
        reasons[why] = n


def _outcome(report: selection.SelectionReport) -> tuple[dict[str, int], dict[str, int]]:
    counts = {
        "added": len(report.added),
        "restored": len(report.restored),
        "unchanged": len(report.unchanged),
        "failed": len(report.failed),
    }
    return counts, dict(Counter(report.failed.values()))


async def run_bulk_select(runtime: JobRuntime, progress_id: int) -> None:
    """Handle every page, from where the action stands, until it ends."""
    while await select_next_page(runtime, progress_id):
        pass


@job_app.task(name="hive.catalog.select_all", queue="catalog", pass_context=True, retry=BULK_RETRY)
async def select_all_job(context: JobContext, progress_id: int) -> None:
    """Select every hit of a search (deferred by :func:`start_bulk_select`). Raises, so the
    job is retried later, when the supplier cannot be reached; the last attempt marks the
    action failed with the reason."""
    runtime = runtime_of(context)
    try:
        await run_bulk_select(runtime, progress_id)
    except HiveError as error:
        final = (context.job.attempts or 0) + 1 >= (BULK_RETRY.max_attempts or 0)
        log.warning("select all: supplier failed", progress_id=progress_id, code=error.code)
        async with runtime.database.platform_transaction() as session:
            await _note_failure(session, progress_id, error.code, final=final)
        if not final:
            raise


async def _note_failure(session: AsyncSession, progress_id: int, code: str, *, final: bool) -> None:
    if final:
        await progress.finish(session, progress_id, progress.FAILED, error=code)
    else:
        await progress.note_error(session, progress_id, code)


def described(params: Mapping[str, Any]) -> dict[str, Any]:
    """The search the action repeats, for its page (field → value)."""
    return {k: v for k, v in dict(params.get("search", {})).items() if v}
