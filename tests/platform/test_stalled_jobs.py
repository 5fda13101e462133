"""A job left ``doing`` by a dead worker is retried once per stall, and failed at the limit."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hive.platform import tasks as platform_tasks
from hive.platform.jobs import JobRuntime, connector_for, defer_in_transaction, job_app
from hive.platform.stalled_jobs import StallReport, recover_stalled_jobs

QUEUE = "tests-stalled-jobs"


@job_app.task(name="tests.stalled_job", queue=QUEUE)
async def stalled_job(n: int) -> None:
    """Never run here: the tests play the worker that took it and died."""


async def _defer(runtime: JobRuntime) -> int:
    async with runtime.database.platform_transaction() as session:
        return await defer_in_transaction(session, stalled_job, n=1)


async def _taken_by_worker(runtime: JobRuntime, job_id: int, *, silent_for_s: int) -> None:
    """A worker took the job; its last heartbeat was ``silent_for_s`` seconds ago."""
    async with runtime.database.platform_transaction() as session:
        worker = await session.scalar(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - make_interval(secs => :silent)) RETURNING id"
            ),
            {"silent": silent_for_s},
        )
        await session.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id"),
            {"w": worker, "id": job_id},
        )


async def _state(runtime: JobRuntime, job_id: int) -> tuple[str, int, int | None]:
    async with runtime.database.platform_transaction() as session:
        row = (
            await session.execute(
                text(
                    "SELECT j.status::text, j.attempts, s.stalls FROM procrastinate_jobs j "
                    "LEFT JOIN job_stalls s ON s.job_id = j.id WHERE j.id = :id"
                ),
                {"id": job_id},
            )
        ).one()
        return row[0], row[1], row[2]


async def _recover(runtime: JobRuntime) -> StallReport:
    with job_app.replace_connector(connector_for(runtime.database_url)) as app:
        async with app.open_async():
            return await recover_stalled_jobs(app, runtime)


async def test_a_job_whose_worker_died_is_retried_once_per_stall_then_failed(
    job_runtime: JobRuntime,
) -> None:
    assert job_runtime.settings.job_max_stalls == 3
    dead = int(job_runtime.settings.worker_stalled_after_s) + 5
    job_id = await _defer(job_runtime)

    for stall in (1, 2):
        await _taken_by_worker(job_runtime, job_id, silent_for_s=dead)
        assert (await _recover(job_runtime)).retried == [job_id]
        assert await _state(job_runtime, job_id) == ("todo", stall, stall)
        again = await _recover(job_runtime)  # nothing more for the same stall
        assert again.retried == [] and again.failed == []
        assert await _state(job_runtime, job_id) == ("todo", stall, stall)

    await _taken_by_worker(job_runtime, job_id, silent_for_s=dead)
    report = await _recover(job_runtime)
    assert report.retried == [] and report.failed == [job_id]
    assert await _state(job_runtime, job_id) == ("failed", 3, None)  # count forgotten


async def test_the_job_of_a_live_worker_is_left_running(job_runtime: JobRuntime) -> None:
    job_id = await _defer(job_runtime)
    await _taken_by_worker(job_runtime, job_id, silent_for_s=1)
    report = await _recover(job_runtime)
    assert report.retried == [] and report.failed == []
    assert await _state(job_runtime, job_id) == ("doing", 0, None)


def test_recovery_runs_every_minute_under_a_lock() -> None:
    task = platform_tasks.recover_stalled_jobs_job
    periodic = {
        p.periodic_id: p.cron
        for p in job_app.periodic_registry.periodic_tasks.values()
        if p.task is task
    }
    assert periodic == {platform_tasks.STALLED_JOBS_LOCK: "* * * * *"}
    assert task.queueing_lock == task.lock == platform_tasks.STALLED_JOBS_LOCK


@pytest.mark.parametrize(("heartbeat", "stalled_after"), [(10.0, 15.0), (30.0, 59.0)])
def test_a_live_worker_can_never_look_dead(heartbeat: float, stalled_after: float) -> None:
    from pydantic import ValidationError

    from hive.platform.config import Settings

    with pytest.raises(ValidationError, match="at least twice"):
        Settings(worker_heartbeat_interval_s=heartbeat, worker_stalled_after_s=stalled_after)
