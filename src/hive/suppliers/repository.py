"""All SQL of the suppliers registry, tokens and rate-limit buckets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.models import (
    Supplier,
    SupplierAccessState,
    SupplierBreakerState,
    SupplierToken,
)


async def add_supplier(session: AsyncSession, supplier: Supplier) -> None:
    async with session.begin_nested():
        session.add(supplier)
        await session.flush()


async def get_supplier(session: AsyncSession, supplier_id: int) -> Supplier | None:
    return await session.get(Supplier, supplier_id)


async def list_suppliers(session: AsyncSession) -> Sequence[Supplier]:
    return (await session.scalars(select(Supplier).order_by(Supplier.id))).all()


async def lock_suppliers_with_credentials(session: AsyncSession) -> Sequence[Supplier]:
    """Suppliers storing credentials, locked in id order (for re-encrypting them)."""
    query = (
        select(Supplier)
        .where(Supplier.credentials_encrypted != b"")
        .order_by(Supplier.id)
        .with_for_update()
    )
    return (await session.scalars(query)).all()


async def get_token(session: AsyncSession, supplier_id: int) -> SupplierToken | None:
    return await session.scalar(
        select(SupplierToken).where(SupplierToken.supplier_id == supplier_id)
    )


async def lock_token_refresh(session: AsyncSession, supplier_id: int) -> None:
    """Serialise token refreshes of one supplier across processes (released at commit)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('hive.supplier_token'), :id)"),
        {"id": supplier_id},
    )


async def lock_tokens(session: AsyncSession) -> Sequence[SupplierToken]:
    """Every stored supplier token, locked in supplier order (for re-encrypting them)."""
    query = select(SupplierToken).order_by(SupplierToken.supplier_id).with_for_update()
    return (await session.scalars(query)).all()


async def delete_token(session: AsyncSession, supplier_id: int) -> None:
    await session.execute(delete(SupplierToken).where(SupplierToken.supplier_id == supplier_id))


async def save_token(
    session: AsyncSession,
    supplier_id: int,
    *,
    access_token_encrypted: bytes,
    refresh_token_encrypted: bytes,
    expires_at: datetime,
    refresh_expires_at: datetime | None,
) -> None:
    """Store a supplier's token pair, already encrypted (one row per supplier)."""
    values = {
        "access_token_encrypted": access_token_encrypted,
        "refresh_token_encrypted": refresh_token_encrypted,
        "expires_at": expires_at,
        "refresh_expires_at": refresh_expires_at,
        "updated_at": datetime.now(expires_at.tzinfo),
    }
    statement = insert(SupplierToken).values(supplier_id=supplier_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["supplier_id"], set_=values)
    )


RECORD_ACCESS_SQL = text(
    """
    INSERT INTO supplier_access_states AS s (supplier_id, activity, code, message, changed_at)
    VALUES (:supplier_id, :activity, :code, :message, now())
    ON CONFLICT (supplier_id, activity) DO UPDATE
    SET code = EXCLUDED.code, message = EXCLUDED.message, changed_at = EXCLUDED.changed_at
    WHERE s.code <> EXCLUDED.code
    RETURNING (xmax = 0) AS inserted
    """
)


async def record_access_state(
    session: AsyncSession, supplier_id: int, activity: str, code: str, message: str
) -> bool | None:
    """Store ``code`` as the supplier's state for ``activity`` unless it is already the state.

    Returns None when nothing changed, True when the row was created, False when an earlier
    state was replaced. Concurrent writers are serialised by the conflict on the key, so one
    change is reported to exactly one of them."""
    params = {
        "supplier_id": supplier_id,
        "activity": activity,
        "code": code,
        "message": message,
    }
    result = await session.execute(RECORD_ACCESS_SQL, params)
    inserted = result.scalar_one_or_none()
    return None if inserted is None else bool(inserted)


async def access_states(session: AsyncSession) -> Sequence[SupplierAccessState]:
    query = select(SupplierAccessState).order_by(
        SupplierAccessState.supplier_id, SupplierAccessState.activity
    )
    return (await session.scalars(query)).all()


RECORD_BREAKER_SQL = text(
    """
    INSERT INTO supplier_breaker_states AS s
        (supplier_id, method, state, changed_at, last_failure_at, last_failure_code,
         last_failure_message)
    VALUES (:supplier_id, :method, :state, :at,
            CASE WHEN CAST(:code AS text) IS NULL THEN NULL ELSE CAST(:at AS timestamptz) END,
            COALESCE(:code, ''), COALESCE(:message, ''))
    ON CONFLICT (supplier_id, method) DO UPDATE SET
        state = excluded.state,
        changed_at = excluded.changed_at,
        last_failure_at = COALESCE(excluded.last_failure_at, s.last_failure_at),
        last_failure_code = CASE WHEN excluded.last_failure_at IS NULL
                                 THEN s.last_failure_code ELSE excluded.last_failure_code END,
        last_failure_message = CASE WHEN excluded.last_failure_at IS NULL
                                    THEN s.last_failure_message
                                    ELSE excluded.last_failure_message END
    WHERE s.changed_at <= excluded.changed_at
    """
)


async def record_breaker_state(
    session: AsyncSession,
    supplier_id: int,
    method: str,
    state: str,
    at: datetime,
    *,
    failure_code: str | None,
    failure_message: str | None,
) -> None:
    """Store a breaker transition of ``at`` unless a later one is stored already; a failure
    (the one that opened it) replaces the last failure, else the last failure stays."""
    await session.execute(
        RECORD_BREAKER_SQL,
        {
            "supplier_id": supplier_id,
            "method": method,
            "state": state,
            "at": at,
            "code": failure_code,
            "message": failure_message,
        },
    )


async def breaker_states(session: AsyncSession) -> Sequence[SupplierBreakerState]:
    query = select(SupplierBreakerState).order_by(
        SupplierBreakerState.supplier_id, SupplierBreakerState.method
    )
    return (await session.scalars(query)).all()


TAKE_TOKEN_SQL = text(
    """
    INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at)
    VALUES (:key, :burst - :n, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        tokens = LEAST(
            :burst,
            LEAST(
                :burst,
                b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate
            ) + :refund
        ) - :n,
        updated_at = clock_timestamp()
    RETURNING tokens
    """
)


async def take_rate_tokens(
    session: AsyncSession, key: str, rate: float, burst: float, count: int, *, refund: int = 0
) -> float:
    """Give back ``refund`` tokens (never above ``burst``), then take ``count`` tokens from the
    shared bucket ``key``; returns the tokens left (negative: the last taker is that many
    tokens in debt and must wait ``-left / rate`` seconds)."""
    params = {"key": key, "rate": rate, "burst": burst, "n": count, "refund": refund}
    result = await session.execute(TAKE_TOKEN_SQL, params)
    return float(result.scalar_one())
