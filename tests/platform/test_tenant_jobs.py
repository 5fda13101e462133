"""The tenant role can defer a job in its transaction and do nothing else with the job tables."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.platform.db import TENANT_ROLE, Database
from hive.platform.jobs import defer_in_transaction, job_app
from tests.support.factories import make_tenant

QUEUE = "tests-tenant-jobs"


@job_app.task(name="tests.tenant_job", queue=QUEUE)
async def tenant_job(marker: str) -> None:
    """Never run: the tests only defer it."""


async def _jobs(database: Database) -> list[tuple[int, str]]:
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text(
                "SELECT id, args->>'marker' FROM procrastinate_jobs "
                "WHERE task_name = 'tests.tenant_job' ORDER BY id"
            )
        )
        return [(row[0], row[1]) for row in rows]


async def _refused(database: Database, tenant: int, statement: str, **params: object) -> str:
    with pytest.raises(ProgrammingError) as refused:
        async with database.tenant_transaction(tenant) as session:
            await session.execute(text(statement), params)
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
    return str(refused.value.orig)


async def test_a_tenant_defers_a_job_that_exists_only_if_its_transaction_commits(
    database: Database,
) -> None:
    tenant = await make_tenant(database, "defers")
    with pytest.raises(RuntimeError, match="rolled back"):
        async with database.tenant_transaction(tenant) as session:
            await defer_in_transaction(session, tenant_job, marker="rolled-back")
            raise RuntimeError("rolled back")
    assert await _jobs(database) == []
    async with database.tenant_transaction(tenant) as session:
        job_id = await defer_in_transaction(session, tenant_job, marker="committed")
    assert await _jobs(database) == [(job_id, "committed")]


async def test_a_tenant_cannot_read_change_or_delete_jobs_even_another_tenants(
    database: Database,
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    async with database.tenant_transaction(acme) as session:
        job_id = await defer_in_transaction(session, tenant_job, marker="acme")
    denied = "permission denied for table procrastinate_jobs"
    for tenant in (acme, globex):
        assert await _refused(database, tenant, "SELECT id FROM procrastinate_jobs") == denied
        assert (
            await _refused(
                database,
                tenant,
                "UPDATE procrastinate_jobs SET priority = 9 WHERE id = :id",
                id=job_id,
            )
            == denied
        )
        assert (
            await _refused(
                database, tenant, "DELETE FROM procrastinate_jobs WHERE id = :id", id=job_id
            )
            == denied
        )
        assert (
            await _refused(
                database,
                tenant,
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
                "VALUES ('q', 't', '{}')",
            )
            == denied
        )
        assert await _refused(
            database, tenant, "SELECT procrastinate_cancel_job_v1(:id, true, true)", id=job_id
        ) == ("permission denied for function procrastinate_cancel_job_v1")
        assert await _refused(database, tenant, "SELECT * FROM procrastinate_events") == (
            "permission denied for table procrastinate_events"
        )
    assert await _jobs(database) == [(job_id, "acme")]  # untouched


async def test_the_tenant_role_holds_no_right_on_job_objects_but_the_defer_function(
    database: Database,
) -> None:
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND starts_with(c.relname, 'procrastinate')
                  AND c.relkind IN ('r', 'p', 'v', 'S')
                  AND (has_table_privilege(:role, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
                       OR (c.relkind = 'S' AND has_sequence_privilege(:role, c.oid, 'USAGE')))
                UNION ALL
                SELECT p.oid::regprocedure::text FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND starts_with(p.proname, 'procrastinate')
                  AND has_function_privilege(:role, p.oid, 'EXECUTE')
                """
            ),
            {"role": TENANT_ROLE},
        )
        granted = sorted(row[0] for row in rows)
    assert granted == ["procrastinate_defer_jobs_v1(procrastinate_job_to_defer_v1[])"]
