"""Platform housekeeping jobs."""

from __future__ import annotations

from procrastinate import builtin_tasks
from procrastinate.job_context import JobContext

from hive.platform.jobs import job_app

FINISHED_JOB_RETENTION_HOURS = 24 * 7


@job_app.periodic(cron="17 3 * * *", periodic_id="remove_old_jobs")
@job_app.task(queue="housekeeping", pass_context=True, queueing_lock="remove_old_jobs")
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Every night, delete finished jobs older than a week so the job table stays small."""
    await builtin_tasks.remove_old_jobs(
        context, max_hours=FINISHED_JOB_RETENTION_HOURS, remove_failed=False
    )
