"""Background jobs on procrastinate, stored in Hive's own PostgreSQL (no extra broker).

Jobs that follow a business change are deferred with :func:`defer_in_transaction` on the
session's own connection: when the transaction rolls back, the job never existed.
"""

from __future__ import annotations

from typing import Any

from procrastinate import App, PsycopgConnector
from procrastinate.tasks import Task
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.config import Settings, libpq_url
from hive.platform.db import raw_connection

# Every module that declares tasks; the worker imports them all.
TASK_MODULES = [
    "hive.platform.tasks",
    "hive.feed.tasks",
    "hive.suppliers.warehouse.tasks",
    "hive.catalog.freshness.tasks",
    "hive.catalog.selection.tasks",
]

job_app = App(connector=PsycopgConnector(), import_paths=TASK_MODULES)


def connector_for(database_url: str) -> PsycopgConnector:
    return PsycopgConnector(conninfo=libpq_url(database_url))


async def defer_in_transaction(
    session: AsyncSession, task: Task[Any, Any, Any], **task_kwargs: Any
) -> int:
    """Defer ``task`` inside ``session``'s open transaction; returns the job id."""
    connection = await raw_connection(session)
    job_id: int = await task.configure(connection=connection).defer_async(**task_kwargs)
    return job_id


async def run_worker(database_url: str, settings: Settings, *, wait: bool = True) -> None:
    """Run a worker until stopped (or, with ``wait=False``, until the queue is empty)."""
    with job_app.replace_connector(connector_for(database_url)) as app:
        async with app.open_async():
            await app.run_worker_async(
                concurrency=settings.worker_concurrency,
                wait=wait,
                install_signal_handlers=wait,
            )
