"""One job runtime per worker: every job gets the same database and engine, none opens its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from procrastinate.job_context import JobContext
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from hive.platform import db
from hive.platform.db import raw_connection
from hive.platform.jobs import JobRuntime, defer_in_transaction, job_app, run_worker, runtime_of
from hive.suppliers.warehouse import tasks as warehouse_tasks

QUEUE = "tests-job-runtime"
seen: list[JobRuntime] = []


@job_app.task(name="tests.job_runtime_probe", queue=QUEUE, pass_context=True)
async def probe(context: JobContext, n: int) -> None:
    seen.append(runtime_of(context))


@pytest.fixture
def engines_used() -> Iterator[set[int]]:
    """The ids of every SQLAlchemy engine that hands out a connection during the test."""
    used: set[int] = set()

    def record(connection: Any) -> None:
        used.add(id(connection.engine))

    event.listen(Engine, "engine_connect", record)
    try:
        yield used
    finally:
        event.remove(Engine, "engine_connect", record)


@pytest.fixture
def engines_created(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    created: list[str] = []
    original = db.create_async_engine

    def counting(*args: Any, **kwargs: Any) -> Any:
        created.append(str(args[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(db, "create_async_engine", counting)
    return created


async def test_two_jobs_in_one_worker_share_the_runtime_and_its_engine(
    job_runtime: JobRuntime, request: pytest.FixtureRequest
) -> None:
    request.addfinalizer(seen.clear)
    async with job_runtime.database.platform_transaction() as session:
        await defer_in_transaction(session, probe, n=1)
        await defer_in_transaction(session, probe, n=2)
    await run_worker(job_runtime, wait=False, queues=[QUEUE])
    assert len(seen) == 2
    assert seen[0] is job_runtime and seen[1] is job_runtime
    assert seen[0].database.engine is seen[1].database.engine


async def test_periodic_jobs_open_no_engine_of_their_own(
    job_runtime: JobRuntime, engines_used: set[int], engines_created: list[str]
) -> None:
    task = warehouse_tasks.release_expired_reservations
    timestamps = [1_700_000_000, 1_700_000_060]
    async with job_runtime.database.platform_transaction() as session:
        for n, timestamp in enumerate(timestamps):
            # Locks of their own: the task's lock admits one queued job, and the worker's
            # periodic deferrer may queue this minute's.
            configured = task.configure(
                connection=await raw_connection(session), queueing_lock=f"tests-{n}"
            )
            await configured.defer_async(timestamp=timestamp)
    engines_used.clear()
    await run_worker(job_runtime, wait=False, queues=["warehouse"])
    assert engines_created == []
    assert engines_used == {id(job_runtime.database.engine.sync_engine)}
    async with job_runtime.database.platform_transaction() as session:
        statuses = await session.scalars(
            text(
                "SELECT status::text FROM procrastinate_jobs WHERE task_name = :name "
                "AND (args->>'timestamp')::bigint = ANY(:timestamps)"
            ),
            {"name": task.name, "timestamps": timestamps},
        )
        assert list(statuses) == ["succeeded", "succeeded"]
