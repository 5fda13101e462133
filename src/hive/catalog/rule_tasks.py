"""Scheduled selection rules: every night the worker runs each enabled rule marked scheduled."""

from __future__ import annotations

from dataclasses import dataclass, field

from procrastinate.job_context import JobContext

from hive.catalog import repository, rules
from hive.catalog.tasks import FreshnessRuntime, current_runtime
from hive.platform.actor import SYSTEM
from hive.platform.errors import HiveError
from hive.platform.jobs import job_app
from hive.platform.logging import get_logger

SCHEDULED_RULES_LOCK = "catalog_run_scheduled_rules"

log = get_logger("hive.catalog.rules")


@dataclass
class ScheduledRun:
    added: dict[int, int] = field(default_factory=dict)
    removed: dict[int, int] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


async def run_scheduled_rules(runtime: FreshnessRuntime) -> ScheduledRun:
    """Run every scheduled rule once; one rule failing does not stop the others."""
    async with runtime.database.platform_transaction() as session:
        scheduled = [
            (rule.id, rule.supplier_id) for rule in await repository.scheduled_rules(session)
        ]
    outcome = ScheduledRun()
    for rule_id, supplier_id in scheduled:
        try:
            adapter = await runtime.adapter_for(supplier_id)
            report, removed = await rules.run_rule(
                runtime.database, adapter, SYSTEM, rule_id, stock_areas=runtime.stock_areas
            )
        except HiveError as error:
            outcome.failed[rule_id] = error.code
            log.warning("scheduled rule failed", rule_id=rule_id, code=error.code)
            continue
        outcome.added[rule_id] = len(report.added) + len(report.restored)
        outcome.removed[rule_id] = len(removed)
    log.info(
        "scheduled rules ran", added=outcome.added, removed=outcome.removed, failed=outcome.failed
    )
    return outcome


@job_app.periodic(cron="0 1 * * *", periodic_id=SCHEDULED_RULES_LOCK)
@job_app.task(
    name="hive.catalog.run_scheduled_rules",
    queue="catalog",
    pass_context=True,
    queueing_lock=SCHEDULED_RULES_LOCK,
)
async def run_scheduled_rules_job(context: JobContext, timestamp: int) -> None:
    await run_scheduled_rules(await current_runtime(context))
