"""Change-feed housekeeping jobs."""

from __future__ import annotations

from procrastinate.job_context import JobContext

from hive.feed import repository
from hive.platform.jobs import daily_at, job_app
from hive.platform.logging import get_logger

MESSAGE_RETENTION_DAYS = 30
PURGE_BATCH_ROWS = 10_000

log = get_logger("hive.feed.tasks")


@job_app.periodic(cron=daily_at(3, 37), periodic_id="purge_supplier_messages")
@job_app.task(queue="housekeeping", pass_context=True, queueing_lock="purge_supplier_messages")
async def purge_supplier_messages(context: JobContext, timestamp: int) -> None:
    """Every night, delete raw supplier messages older than 30 days (the log's retention)."""
    deleted = await repository.purge_messages(
        context.app.connector, older_than_days=MESSAGE_RETENTION_DAYS, batch=PURGE_BATCH_ROWS
    )
    log.info("old supplier messages purged", deleted=deleted, scheduled_at=timestamp)
