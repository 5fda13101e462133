"""Background jobs on procrastinate, stored in Hive's own PostgreSQL (no extra broker).

Jobs that follow a business change are deferred with :func:`defer_in_transaction` on the
session's own connection: when the transaction rolls back, the job never existed.

A process that runs jobs builds one :class:`JobRuntime` (the database, the supplier adapters,
the settings) when it starts and hands it to every job through procrastinate's job context
(:func:`runtime_of`); no task opens an engine of its own. Code that runs inside a change-feed
transaction reaches the same object through the session (:func:`session_runtime`).

Procrastinate reads a periodic task's cron in UTC; a nightly task names its Beijing time with
:func:`daily_at` ("every night at 02:30" means 02:30 in Shanghai, not 10:30 there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procrastinate import App, PsycopgConnector
from procrastinate.app import WorkerOptions
from procrastinate.job_context import JobContext
from procrastinate.periodic import PeriodicRegistry
from procrastinate.tasks import Task
from sqlalchemy.ext.asyncio import AsyncSession

from hive.domains import DOMAINS
from hive.platform.config import Settings, libpq_url
from hive.platform.db import Database, raw_connection
from hive.platform.domains import task_modules
from hive.platform.logging import get_logger

if TYPE_CHECKING:
    from hive.suppliers.protocol import SupplierAdapter

# Every module that declares tasks, collected from the domains; the worker imports them all.
TASK_MODULES = task_modules(DOMAINS)

job_app = App(connector=PsycopgConnector(), import_paths=TASK_MODULES)
log = get_logger(__name__)
SHANGHAI_UTC_OFFSET_HOURS = 8  # Asia/Shanghai keeps UTC+8 all year (no daylight saving)

_CONTEXT_KEY = "hive.job_runtime"
_SESSION_KEY = "hive.job_runtime"


@dataclass(frozen=True, eq=False)
class JobRuntime:
    """What every job of a process shares; built once when the process starts."""

    database_url: str
    database: Database
    settings: Settings
    # The adapter of a registered supplier (rebuilt by the factory when its row changes).
    adapter_for: Callable[[int], Awaitable[SupplierAdapter]]


class NoJobRuntime(RuntimeError):
    """A task ran in a worker that was started without a runtime (a programming error)."""


def daily_at(hour: int, minute: int) -> str:
    """The cron expression (as procrastinate reads it, in UTC) of every day at ``hour:minute``
    Asia/Shanghai time. Raises ``ValueError`` for a time that is not one of a day."""
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"not a time of day: {hour}:{minute}")
    return f"{minute} {(hour - SHANGHAI_UTC_OFFSET_HOURS) % 24} * * *"


def runtime_of(context: JobContext) -> JobRuntime:
    """The runtime of the worker running this job (see :func:`run_worker`)."""
    runtime = context.additional_context.get(_CONTEXT_KEY)
    if not isinstance(runtime, JobRuntime):
        raise NoJobRuntime("the worker was started without a job runtime (use run_worker)")
    return runtime


def bind_runtime(session: AsyncSession, runtime: JobRuntime | None) -> None:
    """Make ``runtime`` reachable from the work of ``session`` (a change-feed transaction)."""
    if runtime is not None:
        session.info[_SESSION_KEY] = runtime


def session_runtime(session: AsyncSession) -> JobRuntime | None:
    """The runtime bound to ``session`` by the process that opened it, if any."""
    runtime = session.info.get(_SESSION_KEY)
    return runtime if isinstance(runtime, JobRuntime) else None


def connector_for(database_url: str) -> PsycopgConnector:
    return PsycopgConnector(conninfo=libpq_url(database_url))


async def defer_in_transaction(
    session: AsyncSession,
    task: Task[Any, Any, Any],
    *,
    delay_s: float | None = None,
    **task_kwargs: Any,
) -> int:
    """Defer ``task`` inside ``session``'s open transaction, to run at once or ``delay_s``
    seconds from now; returns the job id."""
    connection = await raw_connection(session)
    options: dict[str, Any] = {"connection": connection}
    if delay_s is not None:
        options["schedule_in"] = {"seconds": delay_s}
    job_id: int = await task.configure(**options).defer_async(**task_kwargs)
    return job_id


async def run_worker(
    runtime: JobRuntime, *, wait: bool = True, queues: Iterable[str] | None = None
) -> None:
    """Run a worker until stopped (or, with ``wait=False``, until the queue is empty).

    Every job it runs gets ``runtime`` (:func:`runtime_of`); ``queues`` narrows what it takes
    (default: every queue). Before taking jobs, it gives back to the queue the jobs of workers
    that died (:mod:`hive.platform.stalled_jobs`; then every minute, a periodic task)."""
    from hive.platform.stalled_jobs import recover_stalled_jobs
    from hive.platform.worker_metrics import measure_job

    settings = runtime.settings
    options: WorkerOptions = {
        "concurrency": settings.worker_concurrency,
        "wait": wait,
        "install_signal_handlers": wait,
        "additional_context": {_CONTEXT_KEY: runtime},
        "update_heartbeat_interval": settings.worker_heartbeat_interval_s,
        "stalled_worker_timeout": settings.worker_stalled_after_s,
        "worker_middleware": [measure_job],
    }
    if queues is not None:
        options["queues"] = list(queues)
    with (
        job_app.replace_connector(connector_for(runtime.database_url)) as app,
        _schedule(app, periodic=settings.worker_periodic),
    ):
        async with app.open_async():
            await recover_stalled_jobs(app, runtime)
            log.info(
                "worker ready",
                concurrency=settings.worker_concurrency,
                queues=options.get("queues", "all"),
                periodic=settings.worker_periodic,
            )
            await app.run_worker_async(**options)


@contextmanager
def _schedule(app: App, *, periodic: bool) -> Iterator[None]:
    """The app's periodic jobs, or (``periodic=False``) none while the block runs: the
    worker's periodic deferrer then has nothing to defer and stops."""
    if periodic:
        yield
        return
    app.perform_import_paths()  # type: ignore[no-untyped-call]  # registers periodic jobs
    registry = app.periodic_registry
    app.periodic_registry = PeriodicRegistry()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        app.periodic_registry = registry
