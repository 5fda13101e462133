"""Sign-in: throttled per account and per address before any password is hashed.

Each attempt is counted in PostgreSQL (``login_throttles``, so every HCM process shares the
counts) *before* the password is checked: an account gets ``login_account_max_attempts`` and
an address ``login_address_max_attempts`` attempts per window; the next one locks it for
``login_lockout_s`` and is refused without hashing. Counting before hashing also bounds
concurrent attempts: sixteen parallel guesses cannot all slip in before the first failure is
written. A successful sign-in clears the account's count and gives the address its attempt
back. Unknown user names are counted like real ones, so lockouts reveal nothing.

``sign_in`` owns its transactions (rather than taking a session like other services) because
the password hash must run between them: holding a database connection through tens of
milliseconds of hashing would let a flood of attempts starve the pool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers import repository
from hive.customers import session_repository as throttles
from hive.customers.errors import SignInLocked, TenantNotActive, UserDisabled, UserNotFound
from hive.customers.models import LoginThrottle, TenantStatus, UserStatus
from hive.customers.sessions import Client, open_session
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import InvalidCredentials
from hive.platform.passwords import check_password
from hive.platform.permissions import Action, require

ACCOUNT = "account:"
ADDRESS = "address:"
_SYSTEM_SIGN_IN = "sign-in"


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_attempts: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True, slots=True)
class SignedIn:
    actor: Actor
    token: str


def policies(settings: Settings) -> tuple[ThrottlePolicy, ThrottlePolicy]:
    """(account policy, address policy) from the settings."""
    window = timedelta(seconds=settings.login_window_s)
    lockout = timedelta(seconds=settings.login_lockout_s)
    return (
        ThrottlePolicy(settings.login_account_max_attempts, window, lockout),
        ThrottlePolicy(settings.login_address_max_attempts, window, lockout),
    )


def admit(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> datetime | None:
    """Count one attempt on ``row``; the time the lock ends if the attempt is refused."""
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    if row.locked_until is not None or row.window_started_at + policy.window <= now:
        row.attempts, row.window_started_at, row.locked_until = 0, now, None
    if row.attempts >= policy.max_attempts:
        row.locked_until = now + policy.lockout
        return row.locked_until
    row.attempts += 1
    return None


def fail(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> bool:
    """A counted attempt failed: lock once the allowance is used up. True if this locked."""
    if row.attempts >= policy.max_attempts and (
        row.locked_until is None or row.locked_until <= now
    ):
        row.locked_until = now + policy.lockout
        return True
    return False


async def sign_in(
    database: Database,
    settings: Settings,
    username: str,
    password: str,
    client: Client,
    token: str,
) -> SignedIn:
    """Check a sign-in and open a session for browser ``token``.

    Raises ``SignInLocked`` (with the seconds to wait) before hashing when the account or the
    address is locked, ``InvalidCredentials`` for a wrong name or password (never saying
    which), ``UserDisabled`` / ``TenantNotActive`` for a correct password of a blocked user.
    """
    account_policy, address_policy = policies(settings)
    async with database.platform_transaction() as session:
        password_hash = await _admit_attempt(
            session, username, client.ip, account_policy, address_policy
        )
    if not await check_password(password_hash, password):
        async with database.platform_transaction() as session:
            locked = await _record_failure(
                session, username, client.ip, account_policy, address_policy
            )
        raise locked or InvalidCredentials()
    async with database.platform_transaction() as session:
        actor = await _complete(session, username, client.ip)
        await open_session(
            session, actor, token, client, now=_now(), max_age_s=settings.session_max_age_s
        )
    return SignedIn(actor, token)


async def _admit_attempt(
    session: AsyncSession,
    username: str,
    ip: str,
    account_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
) -> str | None:
    now = _now()
    # Always account first, then address: concurrent attempts lock rows in one order.
    account = await throttles.lock_throttle(session, ACCOUNT + username, now)
    address = await throttles.lock_throttle(session, ADDRESS + ip, now)
    refused = admit(address, address_policy, now)
    if refused is not None:
        raise SignInLocked(_seconds_until(refused, now), scope="address")
    refused = admit(account, account_policy, now)
    if refused is not None:
        address.attempts -= 1  # refused before hashing: not an attempt of this address
        raise SignInLocked(_seconds_until(refused, now), scope="account")
    user = await repository.find_user_by_username(session, username)
    return user.password_hash if user is not None else None


async def _record_failure(
    session: AsyncSession,
    username: str,
    ip: str,
    account_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
) -> SignInLocked | None:
    """Lock what has used up its attempts; the lock to report for this attempt, if any."""
    now = _now()
    account = await throttles.lock_throttle(session, ACCOUNT + username, now)
    address = await throttles.lock_throttle(session, ADDRESS + ip, now)
    if fail(account, account_policy, now):
        await _audit_lock(session, "account", username, account)
    if fail(address, address_policy, now):
        await _audit_lock(session, "address", ip, address)
    for row, scope in ((account, "account"), (address, "address")):
        if row.locked_until is not None and row.locked_until > now:
            return SignInLocked(_seconds_until(row.locked_until, now), scope=scope)
    return None


async def _complete(session: AsyncSession, username: str, ip: str) -> Actor:
    """The password matched: check the user may sign in, reset the counters, audit."""
    user = await repository.find_user_by_username(session, username)
    if user is None:  # deleted between the two transactions
        raise InvalidCredentials()
    if user.status != UserStatus.ACTIVE.value:
        raise UserDisabled()
    if user.tenant_id is not None:
        tenant = await repository.get_tenant(session, user.tenant_id)
        if tenant is None or tenant.status != TenantStatus.ACTIVE.value:
            raise TenantNotActive(details={"tenant_id": user.tenant_id})
    now = _now()
    await throttles.delete_throttle(session, ACCOUNT + username)
    address = await throttles.lock_throttle(session, ADDRESS + ip, now)
    address.attempts = max(0, address.attempts - 1)
    actor = Actor(user_id=user.id, username=user.username, role=user.role, tenant_id=user.tenant_id)
    await repository.touch_last_login(session, user.id, now)
    await record_audit(session, actor, "user.login", target_type="user", target_id=user.id)
    return actor


async def unlock_account(session: AsyncSession, actor: Actor, username: str) -> bool:
    """A platform admin lifts the sign-in lock of an account; False if it was not locked."""
    require(actor, Action.UNLOCK_ACCOUNT)
    user = await repository.find_user_by_username(session, username)
    if user is None:
        raise UserNotFound(details={"username": username})
    row = await throttles.get_throttle(session, ACCOUNT + username)
    was_locked = row is not None and row.locked_until is not None and row.locked_until > _now()
    await throttles.delete_throttle(session, ACCOUNT + username)
    await record_audit(
        session,
        actor,
        "user.unlock",
        target_type="user",
        target_id=user.id,
        tenant_id=user.tenant_id,
        details={"was_locked": was_locked},
    )
    return was_locked


@dataclass(frozen=True, slots=True)
class LockedAccount:
    username: str
    locked_until: datetime


async def locked_accounts(session: AsyncSession, *, limit: int = 100) -> list[LockedAccount]:
    """Accounts whose sign-in is locked now, the longest lock first."""
    rows = await throttles.locked_throttles(session, ACCOUNT, _now(), limit)
    return [
        LockedAccount(row.key.removeprefix(ACCOUNT), row.locked_until)
        for row in rows
        if row.locked_until is not None
    ]


async def remove_idle_throttles(session: AsyncSession, *, before: datetime) -> int:
    """Delete counters untouched since ``before`` and not locked (housekeeping)."""
    return await throttles.delete_throttles_idle_since(session, before)


async def _audit_lock(session: AsyncSession, scope: str, subject: str, row: LoginThrottle) -> None:
    system = Actor(user_id=None, username=_SYSTEM_SIGN_IN, role="system")
    await record_audit(
        session,
        system,
        f"sign_in.locked_{scope}",
        target_type=scope,
        target_id=subject[:64],
        details={"attempts": row.attempts, "locked_until": str(row.locked_until)},
    )


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _now() -> datetime:
    return datetime.now(UTC)
