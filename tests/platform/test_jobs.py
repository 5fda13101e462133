"""Jobs deferred inside a business transaction exist only if that transaction commits."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, _schedule, defer_in_transaction, job_app, run_worker

executed: list[str] = []


@job_app.task(name="tests.record_execution", queue="tests")
async def record_execution(marker: str) -> None:
    executed.append(marker)


async def _job_markers(database: Database) -> list[str]:
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text(
                "SELECT args->>'marker' FROM procrastinate_jobs "
                "WHERE task_name = 'tests.record_execution' ORDER BY id"
            )
        )
        return [row[0] for row in rows]


async def test_job_deferred_in_rolled_back_transaction_never_exists(
    database: Database, job_runtime: JobRuntime
) -> None:
    with pytest.raises(RuntimeError, match="business rule failed"):
        async with database.platform_transaction() as session:
            await defer_in_transaction(session, record_execution, marker="rolled-back")
            raise RuntimeError("business rule failed")
    assert await _job_markers(database) == []
    await run_worker(job_runtime, wait=False)
    assert "rolled-back" not in executed


async def test_job_deferred_in_committed_transaction_runs_once(
    database: Database, job_runtime: JobRuntime
) -> None:
    async with database.platform_transaction() as session:
        await defer_in_transaction(session, record_execution, marker="committed")
    assert await _job_markers(database) == ["committed"]
    await run_worker(job_runtime, wait=False)
    await run_worker(job_runtime, wait=False)
    assert executed.count("committed") == 1
    async with database.platform_transaction() as session:
        status = await session.scalar(
            text(
                "SELECT status::text FROM procrastinate_jobs "
                "WHERE task_name = 'tests.record_execution'"
            )
        )
    assert status == "succeeded"


async def test_tenant_scoped_transaction_can_defer_jobs(database: Database) -> None:
    from tests.support.factories import make_tenant

    tenant = await make_tenant(database, "jobs")
    async with database.tenant_transaction(tenant) as session:
        await defer_in_transaction(session, record_execution, marker="from-tenant")
    assert await _job_markers(database) == ["from-tenant"]


def test_housekeeping_is_a_registered_periodic_task() -> None:
    import hive.platform.tasks  # noqa: F401  (registers the tasks)

    periodic = {task.periodic_id for task in job_app.periodic_registry.periodic_tasks.values()}
    assert "remove_old_jobs" in periodic


def test_a_worker_without_the_schedule_has_no_periodic_job_while_it_runs() -> None:
    registry = job_app.periodic_registry
    with _schedule(job_app, periodic=False):
        assert job_app.periodic_registry.periodic_tasks == {}
    assert job_app.periodic_registry is registry
    periodic_ids = {periodic_id for _, periodic_id in registry.periodic_tasks}
    assert {"recover_stalled_jobs", "purge_open_api_records"} <= periodic_ids
    with _schedule(job_app, periodic=True):
        assert job_app.periodic_registry is registry
