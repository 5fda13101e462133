"""Warehouse jobs: release reservations nobody confirmed in time."""

from __future__ import annotations

from datetime import UTC, datetime

from procrastinate.job_context import JobContext

from hive.platform.db import Database
from hive.platform.jobs import job_app, runtime_of
from hive.suppliers.warehouse import orders
from hive.suppliers.warehouse.rules import DEFAULT_RULES, WarehouseRules

RELEASE_LOCK = "warehouse_release_expired_reservations"


async def release_expired(
    database: Database, now: datetime, rules: WarehouseRules = DEFAULT_RULES
) -> int:
    """Release every reservation expired by ``now``, one short transaction per batch.

    Returns how many orders were cancelled. Rows another worker holds are skipped, not waited
    for, so two workers running at once never block each other nor release one order twice.
    """
    released = 0
    while True:
        async with database.platform_transaction() as session:
            count = await orders.release_expired_reservations(session, now, rules)
        released += count
        if count < rules.release_batch_size:
            return released


@job_app.periodic(cron="* * * * *", periodic_id=RELEASE_LOCK)
@job_app.task(
    name="hive.suppliers.warehouse.release_expired_reservations",
    queue="warehouse",
    pass_context=True,
    queueing_lock=RELEASE_LOCK,
)
async def release_expired_reservations(context: JobContext, timestamp: int) -> int:
    """Every minute: cancel warehouse orders whose reservation expired unconfirmed."""
    database = runtime_of(context).database
    return await release_expired(database, datetime.fromtimestamp(timestamp, UTC))
