"""Exports as jobs: a list's rows (with the filters the user had) written to a CSV file by the
worker, with a progress row the page shows, then a download link.

A list declares what it exports once, as an :class:`ExportSource` (its statement from the
filters, checked like the page; its header and cells), in a module the worker imports too::

    ORDERS = register_source(ExportSource(name="orders.search", ..., statement=..., cells=...))

A list whose statement or cells need the database (a filter checked against the values the
table holds, a category's subtree, names shown for ids) gives ``plan`` instead: called in a
transaction of the export (when asked, to count, and again when run), it answers the
statement and the cells together as :class:`Planned`. ``view``, when given, is the console
page whose readers may export the list: checked when asked and again when the job runs.
``texts`` are the catalogue texts its header and cells use, loaded when the source registers:
the worker imports the source's module and no page (tests/console/test_export_texts_in_worker
checks every source's header there).

The console route counts the rows, asks first when there are more than
``export_confirm_rows`` (hive.console.export_pages), then :func:`start_export`: a
``job_progress`` row of kind ``export.<source>`` (its params: the source, the filters, the
tenant, the language and the file's token), an audit entry ``export.start`` naming the source,
the filters and the row count, and the job, all in the caller's transaction. The job
(:func:`run_export`) streams the rows from a server-side cursor (in the tenant's transaction
for a tenant's export, so row-level security applies), writes them through
:func:`hive.console.export.csv_chunks` (UTF-8 BOM, formula-looking cells escaped) to a file
under ``Settings.exports_dir`` and advances the row every :data:`ADVANCE_ROWS` rows; a
cancellation stops it there (no file). Run again after its worker died, it starts over: the
file is written anew and the counts are those of the attempt that finished.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from procrastinate.job_context import JobContext
from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import export_files
from hive.console.export import csv_chunks, stream_rows
from hive.console.export_filters import Filter
from hive.console.export_repository import count_rows
from hive.console.i18n import extend, translator
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import HiveError, PermissionDenied
from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger
from hive.platform.permissions import View, may_view
from hive.platform.validation import InvalidInput, Problem, parse_id

log = get_logger(__name__)
KIND_PREFIX = "export."
ADVANCE_ROWS = 1_000
PURGE_LOCK = "purge_exports"

Translate = Callable[[str], str]
Cells = Callable[[Any, Translate], Sequence[object]]


@dataclass(frozen=True, slots=True)
class Planned:
    """An export's statement and how each of its rows becomes cells."""

    statement: Executable
    cells: Cells


Plan = Callable[[AsyncSession, Actor, Mapping[str, str]], Awaitable[Planned]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSource:
    """What one list exports. ``statement(actor, filters)`` (or ``plan``) checks the filters as
    the list's page does (an unknown or bad one raises InvalidInput) and the actor's right to
    the rows; ``tenant``: the rows are read in the actor's tenant transaction. Either
    ``statement`` and ``cells`` or ``plan`` (see the module docstring). ``back``: the list the
    export's page goes back to, its ``{name}`` parts filled from the filters, the other
    filters its query (hive.console.export_pages.back_of)."""

    name: str
    title_key: str
    file_name: str
    back: str
    tenant: bool
    header: Callable[[Translate], Sequence[str]]
    statement: Callable[[Actor, Mapping[str, str]], Executable] | None = None
    cells: Cells | None = None
    plan: Plan | None = None
    view: View | None = None
    # How its page shows each filter: label and value in words (hive.console.export_filters).
    filters: Mapping[str, Filter] = field(default_factory=dict)
    # Filters taken from the export route's address (a tenant's, a job's id), never posted:
    # not part of the list's query when its page goes back to it.
    fixed: tuple[str, ...] = ()
    # The catalogue texts its header, cells and filters use, loaded when it registers: the
    # worker writes the file with no console page imported (hive.console.i18n.extend).
    texts: Sequence[Mapping[str, Mapping[str, str]]] = ()

    def __post_init__(self) -> None:
        if self.plan is None and (self.statement is None or self.cells is None):
            raise TypeError(f"export {self.name}: give statement and cells, or plan")

    @property
    def kind(self) -> str:
        return KIND_PREFIX + self.name


def id_filter(filters: Mapping[str, str], name: str) -> int:
    """The id a source's route put in its filters (a tenant, a job): ``required`` when absent."""
    found = parse_id(filters.get(name), name)
    if found is None:
        raise InvalidInput([Problem(name, "required")])
    return found


SOURCES: dict[str, ExportSource] = {}
# The module that registers each source, so the worker finds a source it has not imported yet.
_MODULES: dict[str, str] = {}


def register_source(source: ExportSource, module: str) -> ExportSource:
    """Make ``source`` known (to the worker too, which imports ``module`` to find it), with
    its texts in the catalogue."""
    for texts in source.texts:
        extend({language: dict(catalog) for language, catalog in texts.items()})
    SOURCES[source.name] = source
    _MODULES[source.name] = module
    return source


def source_of(row: progress.JobProgress) -> ExportSource:
    """The source of an export's row (importing the module that declares it if needed)."""
    name = str(row.params["source"])
    if name not in SOURCES:
        importlib.import_module(str(row.params["module"]))
    return SOURCES[name]


def is_export(row: progress.JobProgress) -> bool:
    return row.kind.startswith(KIND_PREFIX)


def transaction_of(
    database: Database, source: ExportSource, actor: Actor
) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """The transaction the rows are read in: the actor's tenant's for a tenant's export."""
    if source.tenant:
        tenant_id = actor.tenant_id
        if tenant_id is None:
            raise ValueError("a tenant's export without a tenant")
        return lambda: database.tenant_transaction(tenant_id)
    return database.platform_transaction


async def plan_export(
    session: AsyncSession, source: ExportSource, actor: Actor, filters: Mapping[str, str]
) -> Planned:
    """The statement and cells of ``source`` for ``filters``, checked as the list's page checks
    them (the actor may read the list, the filters are valid)."""
    if source.view is not None and not may_view(actor.role, source.view):
        raise PermissionDenied(details={"view": source.view.value, "role": actor.role})
    if source.plan is not None:
        return await source.plan(session, actor, filters)
    if source.statement is None or source.cells is None:  # refused by ExportSource itself
        raise TypeError(source.name)
    return Planned(source.statement(actor, filters), source.cells)


async def count_export(
    database: Database, source: ExportSource, actor: Actor, filters: Mapping[str, str]
) -> int:
    """How many rows ``filters`` export (checked first, as the page checks them)."""
    async with transaction_of(database, source, actor)() as session:
        planned = await plan_export(session, source, actor, filters)
        return await count_rows(session, planned.statement)


async def start_export(
    session: AsyncSession,
    actor: Actor,
    source: ExportSource,
    filters: Mapping[str, str],
    *,
    rows: int,
    language: str,
) -> progress.JobProgress:
    """In the caller's (platform) transaction: the export's progress row, its audit entry and
    its job."""
    params = {
        "source": source.name,
        "module": _MODULES[source.name],
        "filters": dict(filters),
        "tenant_id": actor.tenant_id,
        "language": language,
        "token": secrets.token_urlsafe(16),
    }
    row = await progress.start_progress(session, actor, source.kind, params=params, planned=rows)
    await record_audit(
        session,
        actor,
        "export.start",
        target_type="job_progress",
        target_id=row.id,
        details={"export": source.name, "filters": dict(filters), "rows": rows},
    )
    row.job_id = await defer_in_transaction(session, export_job, progress_id=row.id)
    return row


def actor_of(row: progress.JobProgress) -> Actor:
    """Who asked for the export, with their tenant: the job reads the rows as them."""
    return replace(progress.actor_of(row), tenant_id=row.params.get("tenant_id"))


class _Cancelled(Exception):
    """A cancellation asked while the file was being written."""


async def run_export(
    database: Database, settings: Settings, progress_id: int, *, every: int = ADVANCE_ROWS
) -> None:
    """Write export ``progress_id``'s file, advancing its row every ``every`` rows, and end
    the row (finished, cancelled, or failed with the error's code)."""
    async with database.platform_transaction() as session:
        row = await progress.begin(session, progress_id)
        if row is None:  # ended, or cancelled while queued
            return
        if row.done:  # an earlier attempt died part way: its file is written anew
            await progress.start_over(session, progress_id)
        source, actor, params = source_of(row), actor_of(row), dict(row.params)
    t = translator(str(params["language"]))
    transaction = transaction_of(database, source, actor)
    path = export_files.file_path(settings, progress_id, str(params["token"]))
    try:
        async with transaction() as session:
            planned = await plan_export(session, source, actor, params["filters"])
        rows = stream_rows(transaction, planned.statement)
        cells = _advancing(database, progress_id, rows, planned.cells, t, every)
        size = await export_files.write_file(path, csv_chunks(source.header(t), cells))
    except _Cancelled:
        await _end(database, progress_id, progress.CANCELLED)
        return
    except Exception as error:
        log.exception("export failed", progress_id=progress_id)
        code = error.code if isinstance(error, HiveError) else "internal_error"
        await _end(database, progress_id, progress.FAILED, error=code)
        raise
    await _end(database, progress_id, progress.FINISHED)
    log.info("export written", progress_id=progress_id, bytes=size)


async def _advancing(
    database: Database,
    progress_id: int,
    rows: AsyncIterator[Any],
    cells: Cells,
    t: Translate,
    every: int,
) -> AsyncIterator[Sequence[object]]:
    """The rows as cells; the progress row advanced every ``every`` rows and at the end."""
    pending = 0
    async for row in rows:
        yield cells(row, t)
        pending += 1
        if pending == every:
            await _advance(database, progress_id, pending)
            pending = 0
    if pending:
        await _advance(database, progress_id, pending)


async def _advance(database: Database, progress_id: int, written: int) -> None:
    async with database.platform_transaction() as session:
        cancel = await progress.advance(
            session, progress_id, done=written, counts={"rows": written}
        )
    if cancel:
        raise _Cancelled


async def _end(database: Database, progress_id: int, state: str, *, error: str = "") -> None:
    async with database.platform_transaction() as session:
        await progress.finish(session, progress_id, state, error=error)


@job_app.task(name="hive.console.export", queue="exports", pass_context=True)
async def export_job(context: JobContext, progress_id: int) -> None:
    runtime = runtime_of(context)
    await run_export(runtime.database, runtime.settings, progress_id)


@job_app.periodic(cron="17 * * * *", periodic_id=PURGE_LOCK)
@job_app.task(
    name="hive.console.purge_exports",
    queue="housekeeping",
    pass_context=True,
    queueing_lock=PURGE_LOCK,
)
async def purge_exports_job(context: JobContext, timestamp: int) -> None:
    """Every hour: delete the export files older than ``export_ttl_hours``."""
    settings = runtime_of(context).settings
    ttl = timedelta(hours=settings.export_ttl_hours)
    deleted = export_files.purge(settings.exports_dir, ttl)
    log.info("old exports purged", deleted=deleted, scheduled_at=timestamp)
