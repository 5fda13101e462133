"""Sign-in housekeeping: ended sessions and idle attempt counters do not pile up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from procrastinate.job_context import JobContext

from hive.customers import sessions, signin
from hive.platform.db import Database
from hive.platform.jobs import daily_at, job_app, runtime_of
from hive.platform.logging import get_logger

# Ended sessions stay listed this long (who signed in from where, for an investigation).
SESSION_RETENTION = timedelta(days=30)
PURGE_LOCK = "purge_sign_in_records"

log = get_logger("hive.customers.tasks")


async def purge_sign_in_records(database: Database, now: datetime, window_s: int) -> None:
    """Delete sessions that ended a retention period ago and counters idle for a window."""
    async with database.platform_transaction() as session:
        ended = await sessions.remove_ended_sessions(session, before=now - SESSION_RETENTION)
        idle = await signin.remove_idle_throttles(session, before=now - timedelta(seconds=window_s))
    log.info("sign-in records purged", sessions=ended, counters=idle)


@job_app.periodic(cron=daily_at(3, 47), periodic_id=PURGE_LOCK)
@job_app.task(queue="housekeeping", pass_context=True, queueing_lock=PURGE_LOCK)
async def purge_sign_in_records_job(context: JobContext, timestamp: int) -> None:
    """Every night, the sign-in housekeeping above."""
    runtime = runtime_of(context)
    await purge_sign_in_records(
        runtime.database, datetime.now(UTC), runtime.settings.login_window_s
    )
