"""Exports as jobs, the service (hive.console.export_jobs) on a real database: starting one
writes its progress row, its audit entry and its job in one transaction; the job streams the
rows to a CSV file (UTF-8 BOM, formula-looking cells escaped) advancing the row every few rows;
a cancellation stops it with no file left; a job that died part way starts over and counts
each row once; a failure ends the row failed with no file. A source planned in the database
(filters checked against stored values, names looked up for its cells) is planned again when
it runs, and a source's page is checked for the asker both when asked and when run."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy import Executable, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import export_files
from hive.console.export_jobs import (
    ExportSource,
    Planned,
    count_export,
    register_source,
    run_export,
    start_export,
)
from hive.customers.models import Tenant
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role, View
from hive.platform.validation import InvalidInput, Problem
from tests.support.factories import ADMIN, make_tenant
from tests.support.openapi import sql
from tests.support.progress_log import distinct_states, log_progress

NAMES = ("=1+2", "张三商店", "@SUM(A1)", "-3", "普通公司")
# Called with each row's name before it becomes cells (a test's fault goes here).
HOOK: list[Callable[[str], None]] = []


def _statement(actor: Actor, filters: Mapping[str, str]) -> Executable:
    return select(Tenant.id, Tenant.name).order_by(Tenant.id)


def _cells(row: Any, t: Callable[[str], str]) -> Sequence[object]:
    for hook in HOOK:
        hook(row.name)
    return (row.id, row.name)


SOURCE = register_source(
    ExportSource(
        name="test.tenants",
        title_key="orders.export.title",
        file_name="tenants",
        back="/admin/tenants",
        tenant=False,
        statement=_statement,
        header=lambda t: ("编号", "名称"),
        cells=_cells,
    ),
    __name__,
)


async def _plan(session: AsyncSession, actor: Actor, filters: Mapping[str, str]) -> Planned:
    """Tenants whose name starts with ``initial``, refused when no tenant's does; each row
    with its name's length, looked up while planning."""
    initial = filters.get("initial", "")
    lengths = dict((await session.execute(select(Tenant.id, func.length(Tenant.name)))).all())
    statement = select(Tenant.id, Tenant.name).where(Tenant.name.startswith(initial))
    if not await session.scalar(select(func.count()).select_from(statement.subquery())):
        raise InvalidInput([Problem("initial", "not_a_choice")])
    return Planned(
        statement.order_by(Tenant.id), lambda row, t: (row.id, row.name, lengths[row.id])
    )


PLANNED = register_source(
    ExportSource(
        name="test.tenants_planned",
        title_key="orders.export.title",
        file_name="tenants",
        back="/admin/tenants",
        tenant=False,
        plan=_plan,
        view=View.AUDIT_LOG,  # admin and finance, not operators
        header=lambda t: ("编号", "名称", "长度"),
    ),
    __name__,
)
OPERATOR = Actor(user_id=None, username="test-operator", role=Role.OPERATOR.value)


@pytest.fixture(autouse=True)
def no_hooks() -> None:
    HOOK.clear()


async def _tenants(database: Database) -> None:
    for i, name in enumerate(NAMES):
        tenant = await make_tenant(database, f"t{i}")
        await sql(database, "UPDATE tenants SET name = :n WHERE id = :id", n=name, id=tenant)


async def _start(database: Database, rows: int = len(NAMES)) -> progress.JobProgress:
    async with database.platform_transaction() as session:
        return await start_export(session, ADMIN, SOURCE, {"q": "all"}, rows=rows, language="zh")


def _read(settings: Settings, row: progress.JobProgress) -> list[list[str]]:
    path = export_files.file_path(settings, row.id, row.params["token"])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads Chinese as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _leftovers(settings: Settings) -> list[str]:
    directory = settings.exports_dir
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


async def _state(database: Database, progress_id: int) -> tuple[Any, ...]:
    [state] = await sql(
        database,
        "SELECT status, done, planned, counts, error FROM job_progress WHERE id = :p",
        p=progress_id,
    )
    return tuple(state)


async def test_an_export_is_started_audited_and_written_in_chunks(
    database: Database, settings: Settings
) -> None:
    await _tenants(database)
    row = await _start(database)
    [(task, args)] = await sql(database, "SELECT task_name, args FROM procrastinate_jobs")
    assert (task, args) == ("hive.console.export", {"progress_id": row.id})
    [(action, target, details)] = await sql(
        database, "SELECT action, target_id, details FROM audit_log WHERE action = 'export.start'"
    )
    assert (action, target) == ("export.start", str(row.id))
    assert details == {"export": "test.tenants", "filters": {"q": "all"}, "rows": 5}
    log_progress(settings)
    await run_export(database, settings, row.id, every=2)
    seen = await sql(database, "SELECT done, planned, status FROM progress_seen ORDER BY n")
    assert distinct_states(seen) == [
        (0, 5, "running"),
        (2, 5, "running"),
        (4, 5, "running"),
        (5, 5, "running"),
        (5, 5, "finished"),
    ]
    assert await _state(database, row.id) == ("finished", 5, 5, {"rows": 5}, "")
    lines = _read(settings, row)
    assert lines[0] == ["编号", "名称"]
    assert [line[1] for line in lines[1:]] == ["'=1+2", "张三商店", "'@SUM(A1)", "'-3", "普通公司"]
    assert _leftovers(settings) == [f"{row.id}-{row.params['token']}.csv"]


async def test_a_cancelled_export_stops_after_its_chunk_and_leaves_no_file(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _tenants(database)
    row = await _start(database)
    real = progress.advance

    async def cancelled_meanwhile(session: Any, progress_id: int, **kwargs: Any) -> bool:
        async with database.platform_transaction() as other:  # 取消任务 on the page
            await progress.request_cancel(other, progress_id)
        return await real(session, progress_id, **kwargs)

    monkeypatch.setattr(progress, "advance", cancelled_meanwhile)
    await run_export(database, settings, row.id, every=2)
    status, done, _, counts, _ = await _state(database, row.id)
    assert (status, done, counts) == ("cancelled", 2, {"rows": 2, "skipped": 3})
    assert _leftovers(settings) == []


async def test_an_export_whose_worker_died_starts_over_and_counts_each_row_once(
    database: Database, settings: Settings
) -> None:
    await _tenants(database)
    row = await _start(database)

    def dies_at_the_fourth(name: str) -> None:
        if name == "-3":
            raise asyncio.CancelledError  # the process stops: nothing of the job runs on

    HOOK.append(dies_at_the_fourth)
    with pytest.raises(asyncio.CancelledError):
        await run_export(database, settings, row.id, every=2)
    assert (await _state(database, row.id))[:2] == ("running", 2)
    assert _leftovers(settings) == []  # no half file
    HOOK.clear()
    await run_export(database, settings, row.id, every=2)  # the job run again
    assert await _state(database, row.id) == ("finished", 5, 5, {"rows": 5}, "")
    assert len(_read(settings, row)) == 6


async def test_a_failing_export_ends_failed_without_a_file(
    database: Database, settings: Settings
) -> None:
    await _tenants(database)
    row = await _start(database)

    def breaks(name: str) -> None:
        raise ValueError("broken row")

    HOOK.append(breaks)
    with pytest.raises(ValueError, match="broken row"):
        await run_export(database, settings, row.id)
    status, done, _, _, error = await _state(database, row.id)
    assert (status, done, error) == ("failed", 0, "internal_error")
    assert _leftovers(settings) == []
    await run_export(database, settings, row.id)  # an ended export is not run again
    assert (await _state(database, row.id))[0] == "failed"


async def test_a_planned_source_is_checked_and_planned_when_asked_and_when_run(
    database: Database, settings: Settings
) -> None:
    await _tenants(database)
    assert await count_export(database, PLANNED, ADMIN, {"initial": "张"}) == 1
    with pytest.raises(InvalidInput):  # checked against the stored names
        await count_export(database, PLANNED, ADMIN, {"initial": "李"})
    with pytest.raises(PermissionDenied):
        await count_export(database, PLANNED, OPERATOR, {"initial": "张"})
    async with database.platform_transaction() as session:
        row = await start_export(session, ADMIN, PLANNED, {"initial": "普"}, rows=1, language="zh")
        refused = await start_export(
            session, OPERATOR, PLANNED, {"initial": "普"}, rows=1, language="zh"
        )  # started around the page's check: the job checks again
    await sql(database, "UPDATE tenants SET name = '普通公司二号' WHERE name = '张三商店'")
    await run_export(database, settings, row.id)
    assert _read(settings, row)[1:] == [[str(i), n, str(len(n))] for i, n in await sql(
        database, "SELECT id, name FROM tenants WHERE name LIKE '普%' ORDER BY id"
    )]  # fmt: skip
    assert len(_read(settings, row)) == 3  # planned when run: the renamed tenant is in
    with pytest.raises(PermissionDenied):
        await run_export(database, settings, refused.id)
    status, done, _, _, error = await _state(database, refused.id)
    assert (status, done, error) == ("failed", 0, "permission_denied")
    assert _leftovers(settings) == [f"{row.id}-{row.params['token']}.csv"]
