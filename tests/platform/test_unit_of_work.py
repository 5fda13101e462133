"""Every transaction opened through the platform is a unit of work that runs its hooks: a
request's, a job's, a tenant's and a platform one; a rolled-back one runs none of them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import APIRouter, Request
from procrastinate.job_context import JobContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform import unit_of_work
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.http import create_app, database_of
from hive.platform.jobs import JobRuntime, defer_in_transaction, job_app, run_worker, runtime_of
from tests.support.factories import make_grade, make_tenant
from tests.support.servers import running_server

Journal = list[str]


def attach_hooks(session: AsyncSession, journal: Journal, name: str) -> None:
    """A before-commit step that writes a row (proving it ran inside the transaction) and an
    after-commit step that notes it ran once committed."""

    async def before(session: AsyncSession) -> None:
        role = await session.scalar(text("SELECT current_user"))
        journal.append(f"{name}: before commit as {role}")

    async def after() -> None:
        journal.append(f"{name}: after commit")

    unit_of_work.before_commit(session, name, before)
    unit_of_work.after_commit(session, after)


async def test_platform_transaction_runs_before_then_after_commit(database: Database) -> None:
    journal: Journal = []
    async with database.platform_transaction() as session:
        attach_hooks(session, journal, "platform")
        journal.append("work")
        assert journal == ["work"]  # nothing runs before the work is done
    assert journal == [
        "work",
        "platform: before commit as hive_platform",
        "platform: after commit",
    ]


async def test_tenant_transaction_runs_its_hooks_as_the_tenant_role(database: Database) -> None:
    tenant_id = await make_tenant(database, "hooks")
    journal: Journal = []
    async with database.tenant_transaction(tenant_id) as session:
        attach_hooks(session, journal, "tenant")
    assert journal == ["tenant: before commit as hive_tenant", "tenant: after commit"]


@pytest.mark.parametrize("tenant", [False, True])
async def test_rolled_back_transaction_runs_no_after_commit_work(
    database: Database, tenant: bool
) -> None:
    tenant_id = await make_tenant(database, "rollback")
    journal: Journal = []
    transaction = (
        database.tenant_transaction(tenant_id) if tenant else database.platform_transaction()
    )
    with pytest.raises(RuntimeError, match="business rule failed"):
        async with transaction as session:
            attach_hooks(session, journal, "doomed")
            raise RuntimeError("business rule failed")
    assert journal == []


async def test_failing_before_commit_rolls_the_transaction_back(database: Database) -> None:
    journal: Journal = []

    async def refuse(session: AsyncSession) -> None:
        raise RuntimeError("refused before commit")

    grade_id = await make_grade(database)
    with pytest.raises(RuntimeError, match="refused before commit"):
        async with database.platform_transaction() as session:
            await session.execute(
                text("UPDATE customer_grades SET name = 'changed' WHERE id = :id"), {"id": grade_id}
            )
            unit_of_work.before_commit(session, "refuse", refuse)
            attach_hooks(session, journal, "late")
    assert journal == []
    async with database.platform_transaction() as session:
        name = await session.scalar(
            text("SELECT name FROM customer_grades WHERE id = :id"), {"id": grade_id}
        )
    assert name == "标准客户"


async def test_a_failing_after_commit_callback_does_not_stop_the_next(database: Database) -> None:
    journal: Journal = []

    async def fails() -> None:
        raise RuntimeError("supplier down")

    async with database.platform_transaction() as session:
        unit_of_work.after_commit(session, fails)
        attach_hooks(session, journal, "next")
    assert journal[-1] == "next: after commit"


def _hooked_router(journal: Journal) -> APIRouter:
    router = APIRouter()

    @router.post("/hooked")
    async def hooked(request: Request, fail: bool = False) -> dict[str, bool]:
        async with database_of(request).platform_transaction() as session:
            attach_hooks(session, journal, "request")
            if fail:
                raise RuntimeError("request failed")
        return {"ok": True}

    return router


async def test_a_request_transaction_runs_its_hooks_and_a_failed_one_none(
    settings: Settings,
) -> None:
    journal: Journal = []
    app = create_app(
        name="hooks",
        settings=settings,
        database_url=settings.database_url,
        routers=[_hooked_router(journal)],
    )
    with running_server(app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            assert (await client.post("/hooked")).status_code == 200
            assert journal == ["request: before commit as hive_platform", "request: after commit"]
            journal.clear()
            assert (await client.post("/hooked", params={"fail": "true"})).status_code == 500
    assert journal == []


# A job's transactions are the platform's too. The job finds its database in its runtime.
_job_journal: Journal = []


@job_app.task(name="tests.unit_of_work_job", queue="tests-unit-of-work", pass_context=True)
async def hooked_job(context: JobContext, fail: bool) -> None:
    async with runtime_of(context).database.platform_transaction() as session:
        attach_hooks(session, _job_journal, "job")
        if fail:
            raise RuntimeError("job failed")


async def _run_job(runtime: JobRuntime, *, fail: bool) -> None:
    async with runtime.database.platform_transaction() as session:
        await defer_in_transaction(session, hooked_job, fail=fail)
    await run_worker(runtime, wait=False)


def _cleared(journal: Journal) -> Callable[[], None]:
    def clear() -> None:
        journal.clear()

    return clear


async def test_a_job_transaction_runs_its_hooks_and_a_failed_one_none(
    job_runtime: JobRuntime, request: pytest.FixtureRequest
) -> None:
    request.addfinalizer(_cleared(_job_journal))
    await _run_job(job_runtime, fail=False)
    assert _job_journal == ["job: before commit as hive_platform", "job: after commit"]
    _job_journal.clear()
    await _run_job(job_runtime, fail=True)
    assert _job_journal == []
