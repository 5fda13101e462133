"""Jobs whose worker died go back to the queue — a bounded number of times.

Workers write a heartbeat every ``HIVE_WORKER_HEARTBEAT_INTERVAL_S``. A job still ``doing``
whose worker has been silent for ``HIVE_WORKER_STALLED_AFTER_S`` (or whose worker row is gone)
is stalled: the process running it was killed, lost its database or hung. Every minute (the
periodic ``recover_stalled_jobs`` task, under a lock, so two workers never run it at once) and
whenever a worker starts, each stalled job is counted and retried once; a job stalled
``HIVE_JOB_MAX_STALLS`` times is failed and logged instead, since it may be what kills its
worker. A retried job runs again from the start, so tasks must be idempotent (docs/jobs.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from procrastinate import App
from sqlalchemy import func
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform import stalled_jobs_repository as repository
from hive.platform.db import Base
from hive.platform.jobs import JobRuntime
from hive.platform.logging import get_logger

log = get_logger("hive.platform.stalled_jobs")


class JobStall(Base):
    """How often a job's worker died under it (procrastinate's jobs table is not ours)."""

    __tablename__ = "job_stalls"

    job_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stalls: Mapped[int]
    last_stalled_at: Mapped[datetime] = mapped_column(server_default=func.now())


@dataclass
class StallReport:
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def recover_stalled_jobs(app: App, runtime: JobRuntime) -> StallReport:
    """Retry (or, past the limit, fail) every job whose worker stopped sending heartbeats."""
    settings = runtime.settings
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.worker_stalled_after_s
    )
    report = StallReport()
    for job in stalled:
        assert job.id is not None  # jobs read from the table have their id
        async with runtime.database.platform_transaction() as session:
            outcome = await repository.settle_stalled_job(
                session, job.id, max_stalls=settings.job_max_stalls
            )
        if outcome is None:
            continue  # it finished or was recovered meanwhile
        stalls, retried = outcome
        (report.retried if retried else report.failed).append(job.id)
        event = log.warning if retried else log.error
        event(
            "job retried: its worker died" if retried else "job failed: its worker died too often",
            job_id=job.id,
            task=job.task_name,
            stalls=stalls,
            max_stalls=settings.job_max_stalls,
        )
    async with runtime.database.platform_transaction() as session:
        await repository.forget_finished_jobs(session)
    return report
