"""Sign-in: throttled per account and per address before any password is hashed.

Each attempt is counted in PostgreSQL (``login_throttles``, so every HCM process shares the
counts) *before* the password is checked: an account gets ``login_account_max_attempts`` and
an address ``login_address_max_attempts`` attempts per window; the next one locks it for
``login_lockout_s`` and is refused without hashing. Counting before hashing also bounds
concurrent attempts: sixteen parallel guesses cannot all slip in before the first failure is
written. A successful sign-in clears the account's count and gives the address its attempt
back. Unknown user names are counted like real ones, so lockouts reveal nothing.

Changing one's password asks for the current one, so it is throttled by the same counters
(:func:`change_password`): a wrong current password is a failed attempt on the account and the
address, and a locked account cannot change its password either. A stolen session therefore
guesses the password no faster than the login page allows.

``sign_in`` owns its transactions (rather than taking a session like other services) because
the password hash must run between them: holding a database connection through tens of
milliseconds of hashing would let a flood of attempts starve the pool.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers import repository
from hive.customers import service as customers
from hive.customers import session_repository as throttles
from hive.customers.errors import (
    SignInLocked,
    TenantNotActive,
    UserDisabled,
    UserNotFound,
    WrongCurrentPassword,
)
from hive.customers.models import LoginThrottle, TenantStatus, UserStatus
from hive.customers.refusal_pacing import RefusalPacer
from hive.customers.schemas import PasswordChange
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
KNOWN_LOCK_S = 10.0
KNOWN_LOCKS_MAX = 10_000
_SYSTEM_SIGN_IN = "sign-in"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_attempts: int
    window: timedelta
    lockout: timedelta


class SignInGuard:
    """What one process keeps to make a flood of sign-ins cheap.

    * At most ``concurrency`` sign-ins are checked at once; the others wait on the event loop
      (holding no database connection), so a burst never occupies the connection pool.
    * Locks seen lately: further attempts are refused with no database work at all.
      Remembered for at most ``KNOWN_LOCK_S`` (an unlock in another process shows within
      that) and for at most ``KNOWN_LOCKS_MAX`` keys.
    * Refusals are paced per address (``refusal_pacing``): ``refusal_burst`` at once, then
      ``refusals_per_s`` a second, the others held without CPU, so a flood that is refused
      cannot ask again faster than that and crowd out the signed-in users' requests.
    """

    def __init__(
        self, concurrency: int, *, refusals_per_s: float = 10.0, refusal_burst: int = 30
    ) -> None:
        self._known: dict[str, tuple[float, float]] = {}
        self.gate = asyncio.Semaphore(concurrency)
        self.pacer = RefusalPacer(refusals_per_s, refusal_burst)

    def check(self, username: str, ip: str) -> SignInLocked | None:
        now = time.monotonic()
        for key, scope in ((ADDRESS + ip, "address"), (ACCOUNT + username, "account")):
            known = self._known.get(key)
            if known is not None and known[0] > now:
                return SignInLocked(max(1, math.ceil(known[1] - now)), scope=scope, key=key)
        return None

    def remember(self, key: str, retry_after_s: int) -> None:
        now = time.monotonic()
        if len(self._known) >= KNOWN_LOCKS_MAX:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
            if len(self._known) >= KNOWN_LOCKS_MAX:
                self._known.clear()
        # (until when this process trusts it, when the lock ends)
        self._known[key] = (now + min(retry_after_s, KNOWN_LOCK_S), now + retry_after_s)

    def forget(self, username: str) -> None:
        self._known.pop(ACCOUNT + username, None)


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
    guard: SignInGuard | None = None,
) -> SignedIn:
    """Check a sign-in and open a session for browser ``token``.

    Raises ``SignInLocked`` (with the seconds to wait) before hashing when the account or the
    address is locked, ``InvalidCredentials`` for a wrong name or password (never saying
    which), ``UserDisabled`` / ``TenantNotActive`` for a correct password of a blocked user.
    """
    return await _through_guard(
        guard,
        username,
        client.ip,
        lambda: _sign_in(database, settings, username, password, client, token),
    )


async def change_password(
    database: Database,
    settings: Settings,
    actor: Actor,
    data: PasswordChange,
    client: Client,
    *,
    keep_session: str | None = None,
    guard: SignInGuard | None = None,
) -> int:
    """The signed-in ``actor`` changes its own password, throttled like a sign-in.

    Counts an attempt on the account and the address before the current password is hashed;
    raises ``SignInLocked`` (seconds to wait) when either is locked, ``WrongCurrentPassword``
    for a wrong current password (a failed attempt; ``SignInLocked`` instead once that uses up
    the allowance). On success every other session ends (``keep_session`` stays) and the count
    is cleared as a sign-in clears it. Returns how many sessions ended.
    """
    return await _through_guard(
        guard,
        actor.username,
        client.ip,
        lambda: _change_password(database, settings, actor, data, client, keep_session),
    )


async def _through_guard(
    guard: SignInGuard | None, username: str, ip: str, attempt: Callable[[], Awaitable[T]]
) -> T:
    """Run ``attempt`` behind this process's guard: refused without the database for a lock
    seen lately, at most ``concurrency`` at a time, a lock it meets is remembered, and every
    refusal is paced per address."""
    if guard is None:
        return await attempt()
    try:
        return await _guarded(guard, username, ip, attempt)
    except SignInLocked:
        await guard.pacer.hold(ip)
        raise


async def _guarded(
    guard: SignInGuard, username: str, ip: str, attempt: Callable[[], Awaitable[T]]
) -> T:
    known = guard.check(username, ip)
    if known is not None:
        raise known
    async with guard.gate:
        known = guard.check(username, ip)  # learnt while this attempt waited
        if known is not None:
            raise known
        try:
            return await attempt()
        except SignInLocked as exc:
            guard.remember(exc.key, exc.retry_after_s)
            raise


async def _sign_in(
    database: Database,
    settings: Settings,
    username: str,
    password: str,
    client: Client,
    token: str,
) -> SignedIn:
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


async def _change_password(
    database: Database,
    settings: Settings,
    actor: Actor,
    data: PasswordChange,
    client: Client,
    keep_session: str | None,
) -> int:
    account_policy, address_policy = policies(settings)
    async with database.platform_transaction() as session:
        await _admit_attempt(session, actor.username, client.ip, account_policy, address_policy)
    try:
        async with database.actor_transaction(actor) as session:
            ended = await customers.change_password(session, actor, data, keep_session=keep_session)
    except WrongCurrentPassword:
        async with database.platform_transaction() as session:
            locked = await _record_failure(
                session, actor.username, client.ip, account_policy, address_policy
            )
        if locked is not None:
            raise locked from None
        raise
    async with database.platform_transaction() as session:
        await _attempt_succeeded(session, actor.username, client.ip, _now())
    return ended


async def _admit_attempt(
    session: AsyncSession,
    username: str,
    ip: str,
    account_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
) -> str | None:
    now = _now()
    account, address = await _lock_pair(session, username, ip, now)
    refused = admit(address, address_policy, now)
    if refused is not None:
        raise SignInLocked(_seconds_until(refused, now), scope="address", key=address.key)
    refused = admit(account, account_policy, now)
    if refused is not None:
        address.attempts -= 1  # refused before hashing: not an attempt of this address
        raise SignInLocked(_seconds_until(refused, now), scope="account", key=account.key)
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
    account, address = await _lock_pair(session, username, ip, now)
    if fail(account, account_policy, now):
        await _audit_lock(session, "account", username, account)
    if fail(address, address_policy, now):
        await _audit_lock(session, "address", ip, address)
    for row, scope in ((account, "account"), (address, "address")):
        if row.locked_until is not None and row.locked_until > now:
            seconds = _seconds_until(row.locked_until, now)
            return SignInLocked(seconds, scope=scope, key=row.key)
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
    await _attempt_succeeded(session, username, ip, now)
    actor = Actor(user_id=user.id, username=user.username, role=user.role, tenant_id=user.tenant_id)
    await repository.touch_last_login(session, user.id, now)
    await record_audit(session, actor, "user.login", target_type="user", target_id=user.id)
    return actor


async def _attempt_succeeded(session: AsyncSession, username: str, ip: str, now: datetime) -> None:
    """The right password: the account's count is cleared, the address gets its attempt back."""
    await throttles.delete_throttle(session, ACCOUNT + username)
    address = (await throttles.lock_throttles(session, [ADDRESS + ip], now))[ADDRESS + ip]
    address.attempts = max(0, address.attempts - 1)


async def unlock_account(session: AsyncSession, actor: Actor, username: str) -> bool:
    """A platform admin (or a tenant admin, for its own tenant's users) lifts the sign-in lock
    of an account; False if it was not locked. Raises ``user_not_found`` for a name that is no
    user or, for a tenant admin, another tenant's."""
    require(actor, Action.UNLOCK_ACCOUNT)
    user = await repository.find_user_by_username(session, username)
    if user is None or (actor.tenant_id is not None and user.tenant_id != actor.tenant_id):
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


async def locked_usernames(session: AsyncSession, usernames: Sequence[str]) -> dict[str, datetime]:
    """Which of ``usernames`` are locked now, and until when."""
    keys = [ACCOUNT + name for name in usernames]
    rows = await throttles.locked_throttles_of(session, keys, _now())
    return {row.key.removeprefix(ACCOUNT): row.locked_until for row in rows if row.locked_until}


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


async def _lock_pair(
    session: AsyncSession, username: str, ip: str, now: datetime
) -> tuple[LoginThrottle, LoginThrottle]:
    rows = await throttles.lock_throttles(session, [ACCOUNT + username, ADDRESS + ip], now)
    return rows[ACCOUNT + username], rows[ADDRESS + ip]


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _now() -> datetime:
    return datetime.now(UTC)
