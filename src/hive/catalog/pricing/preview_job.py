"""The preview of a rule change over many products, as a job with progress.

A preview computes the change the way the reprice would (``rules.preview_rule``: the draft
written in a savepoint, one set-based statement, rolled back). Over a few products that takes
moments and runs in the request; over a large pool (more than ``HIVE_PRICING_PREVIEW_INLINE_MAX``
products, e.g. the default rule over 1,000,000) one statement would outlast the request's 30 s
statement timeout, so it runs as a job instead: the same statement chunk by chunk of
``HIVE_PRICING_REPRICE_CHUNK`` product ids, each in its own short transaction. Counts and the
distribution are exact (summed over the chunks); the examples are the largest moves overall
(each chunk's largest ten, merged). The job's progress row (``hive.platform.progress``) keeps
the form the preview was asked with, the running totals and where to resume; the console shows
it at ``/admin/pricing/previews/<id>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pricing import forms, repository, rules
from hive.catalog.pricing.rules import Preview
from hive.platform import progress
from hive.platform import progress_ranges as ranges
from hive.platform.actor import Actor
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

log = get_logger(__name__)
PREVIEW_KIND = "pricing.preview"
COUNTED = ("products_moved", "prices_moved", "floor_hits", "ceiling_hits", "below_cost")
EXAMPLES = 10
# The preview's one lane of product ids in its resume cursor (hive.platform.progress_ranges).
LANE = ""


async def start_preview(
    session: AsyncSession,
    actor: Actor,
    draft: Mapping[str, str],
    bands: Sequence[tuple[str, str, str]],
    *,
    rule_id: int | None,
    inline_max: int,
) -> Preview | int:
    """The preview of the rule form ``draft`` (with its band rows): computed now when it covers
    at most ``inline_max`` products, else the id of the progress row of the job that computes
    it (deferred in the caller's transaction). Raises what saving the form would."""
    data = forms.read_rule(draft, bands)
    size = await rules.preview_size(session, actor, data, rule_id=rule_id)
    if size <= inline_max:
        return await rules.preview_rule(session, actor, data, rule_id=rule_id)
    kept = {key: value for key, value in draft.items() if key not in ("csrf_token", "intent")}
    params = {"draft": kept, "bands": [list(b) for b in bands], "rule_id": rule_id}
    row = await progress.start_progress(session, actor, PREVIEW_KIND, params=params, planned=size)
    row.job_id = await defer_in_transaction(session, preview_rule_job, progress_id=row.id)
    return row.id


@job_app.task(name="hive.catalog.pricing.preview_rule", queue="catalog", pass_context=True)
async def preview_rule_job(context: JobContext, progress_id: int) -> None:
    runtime = runtime_of(context)
    await run_preview(runtime.database, progress_id, chunk=runtime.settings.pricing_reprice_chunk)


async def run_preview(database: Database, progress_id: int, *, chunk: int) -> None:
    """Compute preview ``progress_id`` chunk by chunk, resuming after the last chunk counted;
    stops between chunks when a cancellation was asked. A form that can no longer be saved
    (its rule deleted, a rule for the same target made meanwhile) ends it as failed."""
    async with database.platform_transaction() as session:
        row = await progress.begin(session, progress_id)
        if row is None:
            return
        params, cursor, actor = dict(row.params), dict(row.cursor or {}), progress.actor_of(row)
        _, high, _ = await repository.product_id_bounds(session)
    data = forms.read_rule(params["draft"], [tuple(b) for b in params["bands"]])
    after = ranges.resume_after(cursor, LANE)
    while after < high:
        try:
            async with database.platform_transaction() as session:
                upto = await repository.nth_product_id(session, after, chunk) or high
                part = await rules.preview_rule(
                    session, actor, data, rule_id=params["rule_id"], id_range=(after, upto)
                )
                covered = progress.IdRange(LANE, after, upto)
                cursor = ranges.with_range(merged(cursor, part), covered)
                cancelled = await progress.advance(
                    session,
                    progress_id,
                    done=part.products_considered,
                    counts={name: getattr(part, name) for name in COUNTED},
                    cursor=cursor,
                )
        except HiveError as error:
            async with database.platform_transaction() as session:
                await progress.finish(session, progress_id, progress.FAILED, error=error.code)
            return
        after = upto
        if cancelled:
            break
    async with database.platform_transaction() as session:
        end = progress.CANCELLED if after < high else progress.FINISHED
        await progress.finish(session, progress_id, end)
    log.info("pricing preview computed", progress_id=progress_id, state=end)


def merged(cursor: Mapping[str, Any], part: Preview) -> dict[str, Any]:
    """The job's memory after one more chunk: the distribution so far and the largest moves
    so far (where to resume: its id ranges, kept beside them by ``progress.advance``)."""
    buckets = dict(cursor.get("buckets", {}))
    for bucket, n in part.buckets.items():
        buckets[bucket] = buckets.get(bucket, 0) + n
    examples = [*cursor.get("examples", []), *part.examples]
    examples.sort(
        key=lambda e: (
            -abs(e["price_fen"] - (e["old_price_fen"] or 0)),
            e["product_id"],
            e["grade_id"],
        )
    )
    return {**cursor, "buckets": buckets, "examples": examples[:EXAMPLES]}


def preview_of(row: progress.JobProgress) -> Preview:
    """What a preview job has found so far (all of it once it has finished)."""
    counts, cursor = dict(row.counts or {}), dict(row.cursor or {})
    return Preview(
        products_considered=row.done,
        **{name: int(counts.get(name, 0)) for name in COUNTED},
        buckets=dict(cursor.get("buckets", {})),
        examples=list(cursor.get("examples", [])),
    )
