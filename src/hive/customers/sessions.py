"""Signed-in browser sessions: opened at sign-in, checked on every page, revocable on the server.

A session row is keyed by the SHA-256 of the browser's random token; the token itself only
lives in the cookie. A session opens pages while it is not revoked, not expired, its user is
active and the user's tenant (if any) is active. It ends by logout, by the user ending it on
the sessions page, and for all of a user's sessions at once on password change, suspension of
the user or its tenant, and a platform admin's "sign out everywhere".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers import session_repository as repository
from hive.customers.errors import SessionNotFound, UserNotFound
from hive.customers.models import TenantStatus, User, UserSession, UserStatus
from hive.customers.repository import get_user
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.permissions import Action, require

MAX_USER_AGENT = 255
MAX_IP = 64


def session_id_of(token: str) -> str:
    """The stored id of a browser token (its SHA-256); the token is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from, as recorded on its session."""

    ip: str
    user_agent: str

    def clipped(self) -> Client:
        return Client(self.ip[:MAX_IP], self.user_agent[:MAX_USER_AGENT])


@dataclass(frozen=True, slots=True)
class LiveSession:
    session_id: str
    actor: Actor


async def open_session(
    session: AsyncSession,
    actor: Actor,
    token: str,
    client: Client,
    *,
    now: datetime,
    max_age_s: int,
) -> UserSession:
    """Record a signed-in browser (called by sign-in, which writes the login's audit row)."""
    assert actor.user_id is not None
    client = client.clipped()
    row = UserSession(
        id=session_id_of(token),
        user_id=actor.user_id,
        tenant_id=actor.tenant_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=max_age_s),
        revoked_at=None,
        ip=client.ip,
        user_agent=client.user_agent,
    )
    await repository.add_session(session, row)
    return row


async def resolve_session(
    session: AsyncSession, token: str, client: Client, *, now: datetime, touch_after_s: int
) -> LiveSession | None:
    """The live session of a browser token and who it is, or None. Writes "last seen" (and
    the address) at most every ``touch_after_s`` seconds."""
    session_id = session_id_of(token)
    found = await repository.find_live_session(session, session_id, now)
    if found is None:
        return None
    row, user, tenant = found
    if user.status != UserStatus.ACTIVE.value:
        return None
    if user.tenant_id is not None and (tenant is None or tenant.status != TenantStatus.ACTIVE):
        return None
    if now - row.last_seen_at >= timedelta(seconds=touch_after_s):
        await repository.touch_session(session, session_id, now, client.clipped().ip)
    return LiveSession(session_id, _actor_of(user))


async def list_own_sessions(
    session: AsyncSession, actor: Actor, *, now: datetime
) -> Sequence[UserSession]:
    """The caller's live sessions, most recently used first."""
    assert actor.user_id is not None
    return await repository.live_sessions_of_user(session, actor.user_id, now)


async def end_own_session(
    session: AsyncSession, actor: Actor, session_id: str, *, now: datetime
) -> None:
    """End one of the caller's own sessions (another device, or this one)."""
    assert actor.user_id is not None
    if not await repository.revoke_session_of_user(session, session_id, actor.user_id, now):
        raise SessionNotFound()
    await record_audit(
        session,
        actor,
        "session.end",
        target_type="user",
        target_id=actor.user_id,
        details={"session": session_id[:12]},
    )


async def log_out(session: AsyncSession, actor: Actor, token: str, *, now: datetime) -> None:
    """End the session of this browser token."""
    assert actor.user_id is not None
    await repository.revoke_session_of_user(session, session_id_of(token), actor.user_id, now)
    await record_audit(session, actor, "user.logout", target_type="user", target_id=actor.user_id)


async def sign_out_everywhere(
    session: AsyncSession, actor: Actor, user_id: int, *, now: datetime
) -> int:
    """A platform admin (or a tenant admin, for its own tenant's users) ends every session of
    a user; returns how many were live. Raises ``user_not_found``."""
    require(actor, Action.END_USER_SESSIONS)
    user = await get_user(session, user_id)
    if user is None or (actor.tenant_id is not None and user.tenant_id != actor.tenant_id):
        raise UserNotFound(details={"user_id": user_id})
    ended = await revoke_user_sessions(session, user.id, now=now)
    await record_audit(
        session,
        actor,
        "user.sign_out_everywhere",
        target_type="user",
        target_id=user.id,
        tenant_id=user.tenant_id,
        details={"sessions": ended},
    )
    return ended


async def revoke_user_sessions(
    session: AsyncSession, user_id: int, *, now: datetime, keep: str | None = None
) -> int:
    """Revoke every session of a user except ``keep`` (the caller audits why)."""
    return await repository.revoke_sessions(session, now, user_id=user_id, keep=keep)


async def revoke_tenant_sessions(session: AsyncSession, tenant_id: int, *, now: datetime) -> int:
    """Revoke every session of a tenant's users (the caller audits why)."""
    return await repository.revoke_sessions(session, now, tenant_id=tenant_id)


async def remove_ended_sessions(session: AsyncSession, *, before: datetime) -> int:
    """Delete sessions that expired or were revoked before ``before`` (housekeeping)."""
    return await repository.delete_sessions_ended_before(session, before)


def _actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role, tenant_id=user.tenant_id)
