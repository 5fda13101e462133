"""The raw message log keeps 30 days: the nightly job deletes older rows and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from hive.feed import repository
from hive.feed.models import SupplierMessageLog
from hive.feed.tasks import MESSAGE_RETENTION_DAYS, purge_supplier_messages
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, connector_for, defer_in_transaction, run_worker


async def _received(database: Database, supplier_id: int, ages_days: dict[str, float]) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "supplier_id": supplier_id,
            "message_id": message_id,
            "type": 2,
            "occurred_at": now - timedelta(days=age),
            "received_at": now - timedelta(days=age),
            "status": "processed",
            "error": "",
            "raw": {},
        }
        for message_id, age in ages_days.items()
    ]
    async with database.platform_transaction() as session:
        await session.execute(insert(SupplierMessageLog), rows)


async def _kept(database: Database) -> set[str]:
    async with database.platform_transaction() as session:
        return set((await session.scalars(select(SupplierMessageLog.message_id))).all())


async def test_nightly_job_deletes_only_messages_older_than_30_days(
    database: Database, job_runtime: JobRuntime, supplier_id: int
) -> None:
    assert MESSAGE_RETENTION_DAYS == 30
    await _received(database, supplier_id, {"old": 31, "ancient": 400, "recent": 29, "new": 0})
    async with database.platform_transaction() as session:
        await defer_in_transaction(session, purge_supplier_messages, timestamp=0)

    await run_worker(job_runtime, wait=False)

    assert await _kept(database) == {"recent", "new"}
    async with database.platform_transaction() as session:
        status = await session.scalar(
            text("SELECT status::text FROM procrastinate_jobs WHERE task_name = :name"),
            {"name": purge_supplier_messages.name},
        )
    assert status == "succeeded"


async def test_purge_works_through_a_backlog_in_batches(
    database: Database, settings: Settings, supplier_id: int
) -> None:
    await _received(database, supplier_id, {f"old-{n}": 30.5 + n for n in range(5)} | {"k": 29.5})
    connector = connector_for(settings.database_url)
    await connector.open_async()
    try:
        deleted = await repository.purge_messages(connector, older_than_days=30, batch=2)
    finally:
        await connector.close_async()

    assert deleted == 5
    assert await _kept(database) == {"k"}
