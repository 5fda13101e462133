"""Account rules of hive.customers.users on real PostgreSQL: the last active admin of the
platform or of a tenant is kept, also when two admins suspend each other at the same moment;
a tenant admin's scope is its own tenant; the password rules."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from hive.customers import service as customers
from hive.customers import users
from hive.customers.errors import LastAdmin, UserNotFound
from hive.customers.models import User, UserStatus
from hive.platform.actor import Actor
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.factories import ADMIN, make_tenant, make_user


def _actor(user_id: int, username: str, role: Role, tenant_id: int | None = None) -> Actor:
    return Actor(user_id=user_id, username=username, role=role.value, tenant_id=tenant_id)


async def _suspend(
    database: Database,
    actor: Actor,
    user_id: int,
    *,
    held: asyncio.Event | None = None,
    release: asyncio.Event | None = None,
) -> str:
    """Suspend ``user_id``; with ``held`` and ``release``, say when the change is made (its row
    locks taken) and keep the transaction open until ``release`` is set."""
    try:
        async with database.platform_transaction() as session:
            await users.change_status(session, actor, user_id, UserStatus.DISABLED)
            if held is not None and release is not None:
                held.set()
                await release.wait()
    except LastAdmin:
        return "refused"
    return "done"


async def _sessions_blocked_by_a_lock(database: Database) -> int:
    """Sessions of this database waiting for another one's lock, seen from a connection of
    its own."""
    async with database.platform_transaction() as session:
        blocked = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND cardinality(pg_blocking_pids(pid)) > 0"
            )
        )
    return int(blocked or 0)


async def test_two_admins_suspending_each_other_at_once_leave_one_admin(
    database: Database,
) -> None:
    first = await make_user(database, "admin-a", "admin-pass-a1", role=Role.PLATFORM_ADMIN)
    second = await make_user(database, "admin-b", "admin-pass-b1", role=Role.PLATFORM_ADMIN)
    held, release = asyncio.Event(), asyncio.Event()
    # The first change holds its transaction open until the second is seen waiting for its
    # row locks: the overlap the test claims, proved rather than hoped for by a sleep.
    holding = asyncio.create_task(
        _suspend(
            database,
            _actor(first, "admin-a", Role.PLATFORM_ADMIN),
            second,
            held=held,
            release=release,
        )
    )
    await asyncio.wait_for(held.wait(), 30)
    waiting = asyncio.create_task(
        _suspend(database, _actor(second, "admin-b", Role.PLATFORM_ADMIN), first)
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    try:
        while await _sessions_blocked_by_a_lock(database) == 0:  # poll with a deadline
            assert not waiting.done(), "the second change finished without waiting for the first"
            assert loop.time() < deadline, "the second change never waited for the first's locks"
            await asyncio.sleep(0.01)
    finally:
        release.set()  # a failed check still ends the first transaction
    assert [await holding, await waiting] == ["done", "refused"]
    async with database.platform_transaction() as session:
        statuses = [(await session.get(User, i)).status for i in (first, second)]  # type: ignore[union-attr]
    assert statuses == ["active", "disabled"]


async def test_a_tenants_last_admin_is_kept_whoever_asks(database: Database) -> None:
    acme = await make_tenant(database, "acme")
    boss = await make_user(database, "acme-boss", "acme-pass-12", tenant_id=acme)
    helper = await make_user(
        database, "acme-helper", "acme-pass-12", role=Role.TENANT_USER, tenant_id=acme
    )
    with pytest.raises(LastAdmin):
        async with database.platform_transaction() as session:
            await customers.change_user_status(session, ADMIN, boss, UserStatus.DISABLED)
    boss_actor = _actor(boss, "acme-boss", Role.TENANT_ADMIN, acme)
    helper_admin = _actor(helper, "acme-helper", Role.TENANT_ADMIN, acme)
    async with database.tenant_transaction(acme) as session:
        await users.change_role(session, boss_actor, helper, Role.TENANT_ADMIN)
    async with database.tenant_transaction(acme) as session:  # two admins now: one may go
        await users.change_role(session, helper_admin, boss, Role.TENANT_USER)
    with pytest.raises(LastAdmin):
        async with database.platform_transaction() as session:
            await customers.change_user_status(session, ADMIN, helper, UserStatus.DISABLED)


async def test_a_tenant_admin_reaches_only_its_own_tenants_users(database: Database) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    boss = await make_user(database, "acme-boss", "acme-pass-12", tenant_id=acme)
    other = await make_user(database, "globex-boss", "globex-pass-12", tenant_id=globex)
    staff = await make_user(database, "ops-1", "ops-pass-123", role=Role.OPERATOR)
    actor = _actor(boss, "acme-boss", Role.TENANT_ADMIN, acme)
    for target in (other, staff):
        # Even in a platform transaction (no row-level security) the service refuses.
        with pytest.raises(UserNotFound):
            async with database.platform_transaction() as session:
                await users.change_status(session, actor, target, UserStatus.DISABLED)
    async with database.tenant_transaction(acme) as session:
        rows, total = await users.list_members(session, actor, limit=10, offset=0)
    assert [row.username for row in rows] == ["acme-boss"] and total == 1


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1", "too_short"),
        ("x" * 129, "too_long"),
        ("lettersonly", "letters_and_digits"),
        ("1234567890", "letters_and_digits"),
        ("my-Alice-2026", "contains_username"),
    ],
)
def test_password_rules(password: str, code: str) -> None:
    assert [p.code for p in users.password_problems(password, "alice")] == [code]
    assert users.password_problems("Correct-horse-9", "alice") == []


def test_generated_passwords_keep_the_rules_and_differ() -> None:
    made = {users.generate_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) == 14 and not users.password_problems(p, "") for p in made)
    assert not any(c in p for p in made for c in "0O1lI")
