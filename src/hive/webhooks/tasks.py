"""The webhook pump: every few seconds a worker dispatches new tenant events to deliveries and
sends what is due, round after round while there is work (within a time budget).

Several pumps may run at once (another worker, or the next tick while one is still busy):
dispatch locks each subscription and sending claims each delivery with ``SKIP LOCKED``, so
they share the work and never send one attempt twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from procrastinate.job_context import JobContext

from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import daily_at, job_app, runtime_of
from hive.platform.logging import get_logger
from hive.platform.secret_key import load_secret_box
from hive.webhooks import repository
from hive.webhooks.dispatch import dispatch_events
from hive.webhooks.sender import Sender, webhook_client

PUMP_LOCK = "webhooks_pump"
PURGE_LOCK = "purge_webhook_deliveries"
# The pump is deferred every 10 s (the cron's sixth field is seconds); it keeps sending while
# deliveries are due, for up to the budget, so a backlog drains between ticks.
PUMP_CRON = "* * * * * */10"
PUMP_BUDGET_S = 50.0

log = get_logger("hive.webhooks.tasks")


@dataclass(frozen=True, slots=True)
class PumpResult:
    dispatched: int
    attempted: int


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def pump(
    database: Database,
    settings: Settings,
    *,
    budget_s: float = PUMP_BUDGET_S,
    clock: Callable[[], datetime] = _utc_now,
) -> PumpResult:
    """Dispatch every new event, then send rounds of due deliveries until none is due or the
    budget is spent."""
    dispatched = await dispatch_events(database, batch_size=settings.webhook_batch_size)
    attempted = 0
    deadline = time.monotonic() + budget_s
    async with webhook_client(settings) as client:
        sender = Sender(database, settings, client, load_secret_box(settings))
        while time.monotonic() < deadline:
            done = await sender.send_due(clock())
            if done == 0:
                break
            attempted += done
    if dispatched or attempted:
        log.info("webhooks pumped", dispatched=dispatched, attempted=attempted)
    return PumpResult(dispatched, attempted)


@job_app.periodic(cron=PUMP_CRON, periodic_id=PUMP_LOCK)
@job_app.task(queue="webhooks", pass_context=True, queueing_lock=PUMP_LOCK)
async def pump_webhooks_job(context: JobContext, timestamp: int) -> None:
    """Every 10 seconds: :func:`pump`."""
    runtime = runtime_of(context)
    await pump(runtime.database, runtime.settings)


async def purge_deliveries(database: Database, settings: Settings, now: datetime) -> int:
    """Delete finished deliveries (and their attempts) older than the log's retention."""
    before = now - timedelta(days=settings.webhook_log_retention_days)
    async with database.platform_transaction() as session:
        purged = await repository.forget_finished_deliveries(session, before)
    log.info("webhook deliveries purged", deliveries=purged)
    return purged


@job_app.periodic(cron=daily_at(3, 53), periodic_id=PURGE_LOCK)
@job_app.task(queue="housekeeping", pass_context=True, queueing_lock=PURGE_LOCK)
async def purge_deliveries_job(context: JobContext, timestamp: int) -> None:
    """Nightly: :func:`purge_deliveries`."""
    runtime = runtime_of(context)
    await purge_deliveries(runtime.database, runtime.settings, _utc_now())
