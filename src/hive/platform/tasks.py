"""Platform housekeeping jobs."""

from __future__ import annotations

from procrastinate import builtin_tasks
from procrastinate.job_context import JobContext

from hive.platform.jobs import daily_at, job_app, runtime_of
from hive.platform.stalled_jobs import recover_stalled_jobs

FINISHED_JOB_RETENTION_HOURS = 24 * 7
STALLED_JOBS_LOCK = "recover_stalled_jobs"


@job_app.periodic(cron=daily_at(3, 17), periodic_id="remove_old_jobs")
@job_app.task(queue="housekeeping", pass_context=True, queueing_lock="remove_old_jobs")
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Every night, delete finished jobs older than a week so the job table stays small."""
    await builtin_tasks.remove_old_jobs(
        context, max_hours=FINISHED_JOB_RETENTION_HOURS, remove_failed=False
    )


@job_app.periodic(cron="* * * * *", periodic_id=STALLED_JOBS_LOCK)
@job_app.task(
    name="hive.platform.recover_stalled_jobs",
    queue="housekeeping",
    pass_context=True,
    queueing_lock=STALLED_JOBS_LOCK,
    lock=STALLED_JOBS_LOCK,
)
async def recover_stalled_jobs_job(context: JobContext, timestamp: int) -> int:
    """Every minute: give jobs whose worker died back to the queue (or fail them at the
    limit); how many were retried."""
    report = await recover_stalled_jobs(context.app, runtime_of(context))
    return len(report.retried)
