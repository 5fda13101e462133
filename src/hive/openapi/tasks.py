"""Gateway housekeeping: nonces out of the window and old idempotency records are deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from procrastinate.job_context import JobContext

from hive.openapi import gateway_repository
from hive.platform.db import Database
from hive.platform.jobs import job_app, runtime_of
from hive.platform.logging import get_logger

PURGE_LOCK = "purge_open_api_records"

log = get_logger("hive.openapi.tasks")


async def purge_gateway_records(database: Database, now: datetime, idempotency_ttl_s: int) -> None:
    """Delete nonces whose window has passed and idempotency records older than their TTL."""
    async with database.platform_transaction() as session:
        nonces = await gateway_repository.forget_expired_nonces(session, now)
        records = await gateway_repository.forget_idempotency_records(
            session, now - timedelta(seconds=idempotency_ttl_s)
        )
    log.info("open api records purged", nonces=nonces, idempotency_records=records)


@job_app.periodic(cron="*/10 * * * *", periodic_id=PURGE_LOCK)
@job_app.task(queue="housekeeping", pass_context=True, queueing_lock=PURGE_LOCK)
async def purge_gateway_records_job(context: JobContext, timestamp: int) -> None:
    """Every ten minutes, the housekeeping above."""
    runtime = runtime_of(context)
    await purge_gateway_records(
        runtime.database, datetime.now(UTC), runtime.settings.open_api_idempotency_ttl_s
    )
