"""Sign-in and server-side sessions at the service level: throttling before hashing, lockout,
unlock, and every way a session ends (logout, password change, suspension, sign out
everywhere)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from hive.customers import service as customers
from hive.customers import sessions, signin
from hive.customers.errors import SignInLocked
from hive.customers.models import LoginThrottle, TenantStatus, UserStatus
from hive.customers.schemas import PasswordChange
from hive.customers.sessions import Client
from hive.customers.tasks import purge_sign_in_records
from hive.platform import passwords
from hive.platform.actor import Actor
from hive.platform.browser_session import new_token
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import HiveError, InvalidCredentials
from hive.platform.permissions import Role
from tests.support.factories import ADMIN, make_tenant, make_user

HERE = Client(ip="10.0.0.1", user_agent="pytest")


def _settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


async def _sign_in(
    database: Database,
    settings: Settings,
    username: str,
    password: str,
    client: Client = HERE,
) -> str:
    token = new_token()
    await signin.sign_in(database, settings, username, password, client, token)
    return token


def _count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, every password checked against a hash is listed (and none matches)."""
    hashed: list[str] = []

    def counting(password_hash: str | None, password: str) -> bool:
        hashed.append(password)
        return False

    monkeypatch.setattr(passwords, "verify_password", counting)
    return hashed


async def _actor_of(database: Database, token: str) -> Actor | None:
    async with database.platform_transaction() as session:
        live = await sessions.resolve_session(
            session, token, HERE, now=datetime.now(UTC), touch_after_s=0
        )
    return live.actor if live else None


async def _audit_actions(database: Database) -> list[str]:
    async with database.platform_transaction() as session:
        rows = await session.execute(text("SELECT action FROM audit_log ORDER BY id"))
        return [row[0] for row in rows]


async def test_sign_in_checks_password_status_and_tenant(
    database: Database, settings: Settings
) -> None:
    tenant = await make_tenant(database, "acme")
    user_id = await make_user(database, "buyer", "s3cret-pass", tenant_id=tenant)
    token = await _sign_in(database, settings, "buyer", "s3cret-pass")
    actor = await _actor_of(database, token)
    assert actor is not None
    assert (actor.user_id, actor.tenant_id, actor.role) == (user_id, tenant, "tenant_admin")
    for username, password in [("buyer", "wrong-pass"), ("nobody", "s3cret-pass")]:
        with pytest.raises(InvalidCredentials):
            await _sign_in(database, settings, username, password)
    async with database.platform_transaction() as session:
        await customers.change_tenant_status(session, ADMIN, tenant, TenantStatus.SUSPENDED)
    with pytest.raises(HiveError) as raised:
        await _sign_in(database, settings, "buyer", "s3cret-pass")
    assert raised.value.code == "tenant_not_active"
    assert (await _audit_actions(database)).count("user.login") == 1
    assert await _actor_of(database, token) is None  # the suspension ended the open session
    async with database.platform_transaction() as session:
        await customers.change_tenant_status(session, ADMIN, tenant, TenantStatus.ACTIVE)
    assert await _actor_of(database, token) is None  # and re-activation does not revive it


async def test_only_the_token_hash_is_stored(database: Database, settings: Settings) -> None:
    await make_user(database, "admin", "admin-pass-1", role=Role.PLATFORM_ADMIN)
    token = await _sign_in(database, settings, "admin", "admin-pass-1")
    async with database.platform_transaction() as session:
        ids = (await session.execute(text("SELECT id, tenant_id FROM user_sessions"))).all()
    assert ids == [(sessions.session_id_of(token), None)]
    assert token not in ids[0][0]


async def test_too_many_failures_lock_the_account_even_for_the_right_password(
    database: Database, settings: Settings
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    failures: list[str] = []
    for attempt in range(25):
        client = Client(ip=f"10.0.1.{attempt}", user_agent="x")  # no address limit involved
        with pytest.raises(HiveError) as raised:
            await _sign_in(database, settings, "buyer", "wrong-pass", client)
        failures.append(raised.value.code)
    assert failures[:4] == ["invalid_credentials"] * 4
    assert set(failures[4:]) == {"sign_in_locked"}
    with pytest.raises(SignInLocked) as locked:
        await _sign_in(database, settings, "buyer", "s3cret-pass")
    assert locked.value.scope == "account"
    assert 0 < locked.value.retry_after_s <= settings.login_lockout_s
    assert (await _audit_actions(database)).count("sign_in.locked_account") == 1


async def test_a_locked_account_is_refused_without_hashing(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    for _ in range(settings.login_account_max_attempts):
        with pytest.raises(HiveError):
            await _sign_in(database, settings, "buyer", "wrong-pass")
    hashed = _count_hashing(monkeypatch)
    for _ in range(10):
        with pytest.raises(SignInLocked):
            await _sign_in(database, settings, "buyer", "s3cret-pass")
    assert hashed == []


async def test_concurrent_guesses_cannot_exceed_the_allowance(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    hashed = _count_hashing(monkeypatch)
    results = await asyncio.gather(
        *(_sign_in(database, settings, "buyer", f"guess-{i}") for i in range(16)),
        return_exceptions=True,
    )
    assert all(isinstance(result, HiveError) for result in results)
    assert len(hashed) == settings.login_account_max_attempts


async def test_the_address_is_throttled_across_accounts(
    database: Database, settings: Settings
) -> None:
    limited = _settings(settings, login_address_max_attempts=3, login_account_max_attempts=100)
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    for name in ("a-one", "a-two"):
        with pytest.raises(InvalidCredentials):
            await _sign_in(database, limited, name, "whatever-1")
    with pytest.raises(SignInLocked) as third:  # the third failure uses up the allowance
        await _sign_in(database, limited, "a-three", "whatever-1")
    assert third.value.scope == "address"
    with pytest.raises(SignInLocked) as locked:
        await _sign_in(database, limited, "buyer", "s3cret-pass")
    assert locked.value.scope == "address"
    other = Client(ip="10.0.0.2", user_agent="x")
    await _sign_in(database, limited, "buyer", "s3cret-pass", other)  # another address may


async def test_success_resets_the_account_count(database: Database, settings: Settings) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    for _round in range(3):
        for _ in range(settings.login_account_max_attempts - 1):
            with pytest.raises(InvalidCredentials):
                await _sign_in(database, settings, "buyer", "wrong-pass")
        await _sign_in(database, settings, "buyer", "s3cret-pass")


async def test_the_lock_ends_after_the_lockout_period(
    database: Database, settings: Settings
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    for _ in range(settings.login_account_max_attempts):
        with pytest.raises(HiveError):
            await _sign_in(database, settings, "buyer", "wrong-pass")
    with pytest.raises(SignInLocked):
        await _sign_in(database, settings, "buyer", "s3cret-pass")
    async with database.platform_transaction() as session:
        row = await session.get(LoginThrottle, "account:buyer")
        assert row is not None and row.locked_until is not None
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    await _sign_in(database, settings, "buyer", "s3cret-pass")


async def test_a_platform_admin_unlocks_an_account(database: Database, settings: Settings) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    for _ in range(settings.login_account_max_attempts):
        with pytest.raises(HiveError):
            await _sign_in(database, settings, "buyer", "wrong-pass")
    async with database.platform_transaction() as session:
        assert [a.username for a in await signin.locked_accounts(session)] == ["buyer"]
    operator = Actor(user_id=None, username="op", role=Role.OPERATOR.value)
    with pytest.raises(HiveError) as refused:
        async with database.platform_transaction() as session:
            await signin.unlock_account(session, operator, "buyer")
    assert refused.value.code == "permission_denied"
    async with database.platform_transaction() as session:
        assert await signin.unlock_account(session, ADMIN, "buyer") is True
    await _sign_in(database, settings, "buyer", "s3cret-pass")
    assert "user.unlock" in await _audit_actions(database)


async def test_log_out_ends_only_that_session(database: Database, settings: Settings) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    laptop = await _sign_in(database, settings, "buyer", "s3cret-pass")
    phone = await _sign_in(database, settings, "buyer", "s3cret-pass")
    actor = await _actor_of(database, laptop)
    assert actor is not None
    async with database.platform_transaction() as session:
        await sessions.log_out(session, actor, laptop, now=datetime.now(UTC))
    assert await _actor_of(database, laptop) is None
    assert await _actor_of(database, phone) == actor


async def test_password_change_ends_the_other_sessions(
    database: Database, settings: Settings
) -> None:
    tenant = await make_tenant(database, "acme")
    await make_user(database, "buyer", "s3cret-pass", tenant_id=tenant)
    laptop = await _sign_in(database, settings, "buyer", "s3cret-pass")
    phone = await _sign_in(database, settings, "buyer", "s3cret-pass")
    actor = await _actor_of(database, laptop)
    assert actor is not None
    change = PasswordChange(current_password="wrong", new_password="new-pass-123")
    with pytest.raises(HiveError) as refused:
        async with database.tenant_transaction(tenant) as session:
            await customers.change_password(session, actor, change)
    assert refused.value.code == "wrong_current_password"
    change = PasswordChange(current_password="s3cret-pass", new_password="new-pass-123")
    async with database.tenant_transaction(tenant) as session:
        ended = await customers.change_password(
            session, actor, change, keep_session=sessions.session_id_of(laptop)
        )
    assert ended == 1
    assert await _actor_of(database, phone) is None
    assert await _actor_of(database, laptop) == actor
    await _sign_in(database, settings, "buyer", "new-pass-123")


async def test_disabling_a_user_and_signing_out_everywhere_end_all_sessions(
    database: Database, settings: Settings
) -> None:
    user_id = await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    first = await _sign_in(database, settings, "buyer", "s3cret-pass")
    second = await _sign_in(database, settings, "buyer", "s3cret-pass")
    async with database.platform_transaction() as session:
        assert await sessions.sign_out_everywhere(session, ADMIN, user_id, now=_now()) == 2
    assert await _actor_of(database, first) is None
    assert await _actor_of(database, second) is None
    third = await _sign_in(database, settings, "buyer", "s3cret-pass")
    async with database.platform_transaction() as session:
        await customers.change_user_status(session, ADMIN, user_id, UserStatus.DISABLED)
        await customers.change_user_status(session, ADMIN, user_id, UserStatus.ACTIVE)
    assert await _actor_of(database, third) is None
    actions = await _audit_actions(database)
    assert "user.sign_out_everywhere" in actions and actions.count("user.status") == 2


async def test_a_tenant_transaction_never_sees_staff_or_other_tenants_sessions(
    database: Database, settings: Settings
) -> None:
    acme = await make_tenant(database, "acme")
    globex = await make_tenant(database, "globex")
    await make_user(database, "admin", "admin-pass-1", role=Role.PLATFORM_ADMIN)
    await make_user(database, "acme-admin", "acme-pass-1", tenant_id=acme)
    await make_user(database, "globex-admin", "globex-pass-1", tenant_id=globex)
    for name, password in [
        ("admin", "admin-pass-1"),
        ("acme-admin", "acme-pass-1"),
        ("globex-admin", "globex-pass-1"),
    ]:
        await _sign_in(database, settings, name, password)
    async with database.tenant_transaction(acme) as session:
        seen = (await session.execute(text("SELECT tenant_id FROM user_sessions"))).all()
        throttles = await session.execute(
            text("SELECT has_table_privilege('login_throttles', 'SELECT')")
        )
        assert throttles.scalar() is False
    assert seen == [(acme,)]


def _now() -> datetime:
    return datetime.now(UTC)


async def test_housekeeping_removes_ended_sessions_and_idle_counters(
    database: Database, settings: Settings
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    live = await _sign_in(database, settings, "buyer", "s3cret-pass")
    ended = await _sign_in(database, settings, "buyer", "s3cret-pass")
    with pytest.raises(InvalidCredentials):
        await _sign_in(database, settings, "ghost", "whatever-1")
    actor = await _actor_of(database, ended)
    assert actor is not None
    async with database.platform_transaction() as session:
        await sessions.log_out(session, actor, ended, now=_now() - timedelta(days=31))
    later = _now() + timedelta(seconds=settings.login_window_s + 1)
    await purge_sign_in_records(database, later, settings.login_window_s)
    async with database.platform_transaction() as session:
        kept = (await session.execute(text("SELECT id FROM user_sessions"))).scalars().all()
        counters = (await session.execute(text("SELECT key FROM login_throttles"))).all()
    assert kept == [sessions.session_id_of(live)]
    assert counters == []


async def test_a_guard_refuses_a_known_lock_without_the_database(
    database: Database, settings: Settings
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    guard = signin.SignInGuard(concurrency=2)

    async def attempt(password: str) -> str:
        try:
            await signin.sign_in(database, settings, "buyer", password, HERE, new_token(), guard)
        except HiveError as exc:
            return exc.code
        return "signed_in"

    codes = await asyncio.gather(*(attempt("wrong-pass") for _ in range(8)))
    assert codes.count("invalid_credentials") <= settings.login_account_max_attempts - 1
    assert "sign_in_locked" in codes
    async with database.platform_transaction() as session:  # unlocked by another process
        await session.execute(text("DELETE FROM login_throttles"))
    assert await attempt("s3cret-pass") == "sign_in_locked"  # this one still remembers
    guard.forget("buyer")
    assert await attempt("s3cret-pass") == "signed_in"


async def _change(
    database: Database, settings: Settings, actor: Actor, current: str, client: Client = HERE
) -> int:
    change = PasswordChange(current_password=current, new_password="new-pass-123")
    return await signin.change_password(database, settings, actor, change, client)


async def test_guessing_the_current_password_locks_the_account_like_sign_in(
    database: Database, settings: Settings
) -> None:
    tenant = await make_tenant(database, "acme")
    await make_user(database, "buyer", "s3cret-pass", tenant_id=tenant)
    actor = await _actor_of(database, await _sign_in(database, settings, "buyer", "s3cret-pass"))
    assert actor is not None
    failures = []
    for attempt in range(settings.login_account_max_attempts + 3):
        client = Client(ip=f"10.0.2.{attempt}", user_agent="x")  # no address limit involved
        with pytest.raises(HiveError) as raised:
            await _change(database, settings, actor, "guess-pass", client)
        failures.append(raised.value.code)
    allowed = settings.login_account_max_attempts - 1
    assert failures[:allowed] == ["wrong_current_password"] * allowed
    assert set(failures[allowed:]) == {"sign_in_locked"}
    with pytest.raises(SignInLocked) as locked:  # the right password waits out the lock too
        await _change(database, settings, actor, "s3cret-pass")
    assert locked.value.scope == "account"
    with pytest.raises(SignInLocked):  # and so does signing in: the same counters
        await _sign_in(database, settings, "buyer", "s3cret-pass")
    assert (await _audit_actions(database)).count("sign_in.locked_account") == 1
    assert "user.password_change" not in await _audit_actions(database)


async def test_a_locked_password_change_is_refused_without_hashing(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    actor = await _actor_of(database, await _sign_in(database, settings, "buyer", "s3cret-pass"))
    assert actor is not None
    for _ in range(settings.login_account_max_attempts):
        with pytest.raises(HiveError):
            await _change(database, settings, actor, "guess-pass")
    hashed = _count_hashing(monkeypatch)
    for _ in range(5):
        with pytest.raises(SignInLocked):
            await _change(database, settings, actor, "s3cret-pass")
    assert hashed == []


async def test_a_password_change_is_counted_per_address_and_clears_on_success(
    database: Database, settings: Settings
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    actor = await _actor_of(database, await _sign_in(database, settings, "buyer", "s3cret-pass"))
    assert actor is not None
    for _ in range(settings.login_account_max_attempts - 1):
        with pytest.raises(HiveError):
            await _change(database, settings, actor, "guess-pass")
    assert await _change(database, settings, actor, "s3cret-pass") == 1  # its own session ended
    async with database.platform_transaction() as session:
        account = await session.get(LoginThrottle, signin.ACCOUNT + "buyer")
        address = await session.get(LoginThrottle, signin.ADDRESS + HERE.ip)
    assert account is None  # cleared, as a successful sign-in clears it
    assert address is not None
    # the guesses; the sign-in and the change each gave their own attempt back
    assert address.attempts == settings.login_account_max_attempts - 1
