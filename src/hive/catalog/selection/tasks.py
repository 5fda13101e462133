"""Scheduled selection rules: every night the worker runs each enabled rule marked scheduled."""

from __future__ import annotations

from dataclasses import dataclass, field

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.freshness.tasks import stock_areas
from hive.catalog.selection import repository, rules
from hive.platform.actor import SYSTEM
from hive.platform.errors import HiveError
from hive.platform.jobs import JobRuntime, daily_at, defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

SCHEDULED_RULES_LOCK = "catalog_run_scheduled_rules"
# A rule run the supplier failed is tried again after 3 s, 6 s, 12 s … (about 25 minutes).
RULE_RUN_RETRY = RetryStrategy(max_attempts=10, exponential_wait=3)

log = get_logger("hive.catalog.selection.rules")


@dataclass
class ScheduledRun:
    added: dict[int, int] = field(default_factory=dict)
    removed: dict[int, int] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


async def run_scheduled_rules(runtime: JobRuntime, job_id: int | None = None) -> ScheduledRun:
    """Run every scheduled rule once; one rule failing does not stop the others. Run by job
    ``job_id``, a rule run already finished by an earlier attempt of the job is not repeated."""
    async with runtime.database.platform_transaction() as session:
        scheduled = [
            (rule.id, rule.supplier_id) for rule in await repository.scheduled_rules(session)
        ]
    outcome = ScheduledRun()
    for rule_id, supplier_id in scheduled:
        try:
            added, removed = await _run_rule(runtime, rule_id, supplier_id, job_id)
        except HiveError as error:
            outcome.failed[rule_id] = error.code
            log.warning("scheduled rule failed", rule_id=rule_id, code=error.code)
            continue
        outcome.added[rule_id], outcome.removed[rule_id] = added, removed
    log.info(
        "scheduled rules ran", added=outcome.added, removed=outcome.removed, failed=outcome.failed
    )
    return outcome


@job_app.periodic(cron=daily_at(1, 0), periodic_id=SCHEDULED_RULES_LOCK)
@job_app.task(
    name="hive.catalog.run_scheduled_rules",
    queue="catalog",
    pass_context=True,
    queueing_lock=SCHEDULED_RULES_LOCK,
)
async def run_scheduled_rules_job(context: JobContext, timestamp: int) -> None:
    await run_scheduled_rules(runtime_of(context), context.job.id)


@job_app.task(
    name="hive.catalog.run_rule", queue="catalog", pass_context=True, retry=RULE_RUN_RETRY
)
async def run_rule_job(context: JobContext, rule_id: int) -> int:
    """Run one rule in the worker (deferred by :func:`defer_rule_run`); products added.

    Raises, so the job is retried later, when the supplier cannot be reached. Run again (a
    retry, or its worker died), it resumes its rule run instead of selecting anew."""
    runtime = runtime_of(context)
    async with runtime.database.platform_transaction() as session:
        rule = await repository.get_rule(session, rule_id)
    if rule is None or not rule.enabled:
        log.info("rule run skipped: rule gone or disabled", rule_id=rule_id)
        return 0
    added, removed = await _run_rule(runtime, rule_id, rule.supplier_id, context.job.id)
    log.info("rule ran", rule_id=rule_id, added=added, removed=removed)
    return added


async def _run_rule(
    runtime: JobRuntime, rule_id: int, supplier_id: int, job_id: int | None
) -> tuple[int, int]:
    """Run a rule as the system; how many products it added (or restored) and removed."""
    adapter = await runtime.adapter_for(supplier_id)
    report, removed = await rules.run_rule(
        runtime.database,
        adapter,
        SYSTEM,
        rule_id,
        stock_areas=stock_areas(runtime),
        job_id=job_id,
    )
    return len(report.added) + len(report.restored), len(removed)


async def defer_rule_run(session: AsyncSession, rule_id: int) -> int:
    """In the caller's transaction: have the worker run the rule once (the job exists exactly
    when the transaction commits); returns the job id."""
    return await defer_in_transaction(session, run_rule_job, rule_id=rule_id)
