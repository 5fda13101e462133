"""All SQL of the gateway's own bookkeeping: nonces and rate-limit buckets (one statement per
request), idempotency records, and their housekeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.openapi.models import IdempotencyRecord
from hive.platform import driver
from hive.platform.db import PLATFORM_ROLE


async def forget_expired_nonces(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        text("DELETE FROM open_nonces WHERE expires_at < :now"), {"now": now}
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget_idempotency_records(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        text("DELETE FROM open_idempotency_records WHERE created_at < :before"),
        {"before": before},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# A bucket refills by the time since its last take, then gives one token only if a whole one
# is there. A nonce whose row has expired may be used again (its old request can no longer be
# replayed: the timestamp check refuses it).
# One statement time for every term, so ``taken`` and ``tokens`` agree; never a negative
# refill and never a clock going back (takes queued on the row lock may run out of order).
_REFILLED = (
    "LEAST(%(burst)s, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM statement_timestamp() "
    "- b.updated_at)) * %(rate)s)"
)
# The replay guard and the rate limit of one request in one statement (one round trip, one
# commit): a nonce already remembered still takes its token (a replay counts against the limit).
# The transaction's commit does not wait for its WAL flush (``relaxed``, see admission.py).
# psycopg parameters (``%(name)s``): it runs on the driver's connection, pipelined.
_ADMIT_SQL = f"""
    WITH nonce AS (
        INSERT INTO open_nonces AS n (app_id, nonce, tenant_id, expires_at)
        VALUES (%(app_id)s, %(nonce)s, %(tenant_id)s, %(until)s)
        ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
            WHERE n.expires_at < clock_timestamp()
        RETURNING 1
    ), bucket AS (
        INSERT INTO open_rate_buckets AS b (key, tokens, taken, updated_at)
        VALUES (%(key)s, %(burst)s - 1, true, statement_timestamp())
        ON CONFLICT (key) DO UPDATE SET
            taken = {_REFILLED} >= 1,
            tokens = {_REFILLED} - CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END,
            updated_at = GREATEST(b.updated_at, statement_timestamp())
        RETURNING tokens, taken
    ), relaxed AS (
        SELECT set_config('synchronous_commit', 'off', true) AS value
    )
    SELECT EXISTS (SELECT 1 FROM nonce), bucket.tokens, bucket.taken FROM bucket, relaxed
    """  # noqa: S608 - the f-string joins constants of this module, not input


async def queue_admit(
    connection: psycopg.AsyncConnection[Any],
    *,
    app_id: int,
    tenant_id: int,
    nonce: str,
    until: datetime,
    key: str,
    rate_per_s: float,
    burst: int,
) -> psycopg.AsyncCursor[Any]:
    """Queue the admission's own short transaction: remember the nonce and take a token.

    ``connection`` is a psycopg connection in pipeline mode, outside any transaction and in
    autocommit (no BEGIN of the driver's own): BEGIN, the platform role, the statement and
    COMMIT go out with whatever else the pipeline holds, in one round trip, and the bucket's
    row lock is held only while the server runs them, never across a round trip to this
    process. Read the answer with :func:`admitted` once the pipeline is sent."""
    params = {
        "app_id": app_id,
        "tenant_id": tenant_id,
        "nonce": nonce,
        "until": until,
        "key": key,
        "rate": rate_per_s,
        "burst": float(burst),
    }
    await driver.queue(connection, "BEGIN")
    await driver.queue(connection, f"SET LOCAL ROLE {PLATFORM_ROLE}")  # a constant
    cursor = await driver.queue(connection, _ADMIT_SQL, params)
    await driver.queue(connection, "COMMIT")
    return cursor


async def admitted(cursor: psycopg.AsyncCursor[Any]) -> tuple[bool, float, bool]:
    """The queued admission's answer: (nonce was new, tokens left, token taken)."""
    row = await cursor.fetchone()
    assert row is not None  # the statement always answers one row
    new, tokens, taken = row
    return bool(new), float(tokens), bool(taken)


async def try_lock(session: AsyncSession, lock_id: int) -> bool:
    """Take a transaction-level advisory lock if free (never waits)."""
    result = await session.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id})
    return bool(result.scalar_one())


async def find_idempotency_record(
    session: AsyncSession, app_id: int, route: str, key: str
) -> IdempotencyRecord | None:
    return await session.get(IdempotencyRecord, (app_id, route, key))


async def add_idempotency_record(
    session: AsyncSession,
    app_id: int,
    tenant_id: int,
    route: str,
    key: str,
    fingerprint: str,
    status_code: int,
    body: bytes,
) -> None:
    session.add(
        IdempotencyRecord(
            app_id=app_id,
            tenant_id=tenant_id,
            route=route,
            key=key,
            fingerprint=fingerprint,
            status_code=status_code,
            body=body,
        )
    )
    await session.flush()
