"""All SQL of the gateway's own bookkeeping: nonces (and, below, idempotency records and
rate-limit buckets)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# A nonce whose row has expired may be used again (its old request can no longer be replayed:
# the timestamp check refuses it).
_REMEMBER_NONCE = text(
    """
    INSERT INTO open_nonces AS n (app_id, nonce, tenant_id, expires_at)
    VALUES (:app_id, :nonce, :tenant_id, :until)
    ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE n.expires_at < clock_timestamp()
    RETURNING 1
    """
)


async def remember_nonce(
    session: AsyncSession, app_id: int, tenant_id: int, nonce: str, until: datetime
) -> bool:
    """True when the nonce was new (or its previous use has left the window)."""
    params = {"app_id": app_id, "nonce": nonce, "tenant_id": tenant_id, "until": until}
    return (await session.execute(_REMEMBER_NONCE, params)).scalar_one_or_none() is not None


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
