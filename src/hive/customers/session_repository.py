"""All SQL of sign-in: browser sessions and the attempt counters that throttle sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers.models import LoginThrottle, Tenant, User, UserSession


async def add_session(session: AsyncSession, row: UserSession) -> None:
    session.add(row)
    await session.flush()


async def find_live_session(
    session: AsyncSession, session_id: str, now: datetime
) -> tuple[UserSession, User, Tenant | None] | None:
    """The session (not revoked, not expired) with its user and the user's tenant."""
    query = (
        select(UserSession, User, Tenant)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Tenant, Tenant.id == User.tenant_id)
        .where(
            UserSession.id == session_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1], row[2])


async def touch_session(session: AsyncSession, session_id: str, now: datetime, ip: str) -> None:
    await session.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now, ip=ip)
    )


async def live_sessions_of_user(
    session: AsyncSession, user_id: int, now: datetime
) -> Sequence[UserSession]:
    query = (
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.last_seen_at.desc())
    )
    return (await session.scalars(query)).all()


async def revoke_session_of_user(
    session: AsyncSession, session_id: str, user_id: int, now: datetime
) -> bool:
    """Revoke one live session of ``user_id``; False when there is none with that id."""
    result = await session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(UserSession.id)
    )
    return result.first() is not None


async def revoke_sessions(
    session: AsyncSession,
    now: datetime,
    *,
    user_id: int | None = None,
    tenant_id: int | None = None,
    keep: str | None = None,
) -> int:
    """Revoke every live session of a user or of a tenant's users (except ``keep``)."""
    query = update(UserSession).where(UserSession.revoked_at.is_(None))
    if user_id is not None:
        query = query.where(UserSession.user_id == user_id)
    if tenant_id is not None:
        query = query.where(UserSession.tenant_id == tenant_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = await session.execute(query.values(revoked_at=now).returning(UserSession.id))
    return len(result.all())


async def delete_sessions_ended_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(UserSession)
        .where((UserSession.expires_at < cutoff) | (UserSession.revoked_at < cutoff))
        .returning(UserSession.id)
    )
    return len(result.all())


async def lock_throttles(
    session: AsyncSession, keys: Sequence[str], now: datetime
) -> dict[str, LoginThrottle]:
    """The counters of ``keys``, created if missing, locked for this transaction (in key
    order, so concurrent attempts never wait on each other in a cycle)."""
    await session.execute(
        insert(LoginThrottle)
        .values([dict(key=k, attempts=0, window_started_at=now, locked_until=None) for k in keys])
        .on_conflict_do_nothing(index_elements=[LoginThrottle.key])
    )
    query = (
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(keys))
        .order_by(LoginThrottle.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in (await session.scalars(query)).all()}


async def get_throttle(session: AsyncSession, key: str) -> LoginThrottle | None:
    return await session.get(LoginThrottle, key)


async def delete_throttle(session: AsyncSession, key: str) -> bool:
    result = await session.execute(
        delete(LoginThrottle).where(LoginThrottle.key == key).returning(LoginThrottle.key)
    )
    return result.first() is not None


async def locked_throttles(
    session: AsyncSession, prefix: str, now: datetime, limit: int
) -> Sequence[LoginThrottle]:
    query = (
        select(LoginThrottle)
        .where(LoginThrottle.key.startswith(prefix, autoescape=True))
        .where(LoginThrottle.locked_until > now)
        .order_by(LoginThrottle.locked_until.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def locked_throttles_of(
    session: AsyncSession, keys: Sequence[str], now: datetime
) -> Sequence[LoginThrottle]:
    query = select(LoginThrottle).where(
        LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
    )
    return (await session.scalars(query)).all()


async def delete_throttles_idle_since(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.window_started_at < cutoff)
        .where((LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < cutoff))
        .returning(LoginThrottle.key)
    )
    return len(result.all())
