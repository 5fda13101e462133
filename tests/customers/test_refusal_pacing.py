"""Throttled sign-in refusals are paced per address: a burst at once, then a steady rate."""

from __future__ import annotations

import asyncio
import time

from hive.customers import signin
from hive.customers.refusal_pacing import RefusalPacer
from hive.customers.sessions import Client
from hive.platform.browser_session import new_token
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.permissions import Role
from tests.support.factories import make_user


def test_a_burst_goes_at_once_then_one_refusal_per_interval() -> None:
    pacer = RefusalPacer(per_s=10, burst=3)
    waits = [pacer.delay("10.0.0.1", now=100.0) for _ in range(6)]
    assert [round(w, 3) for w in waits] == [0, 0, 0, 0.1, 0.2, 0.3]
    assert pacer.delay("10.0.0.2", now=100.0) == 0  # another address has its own burst
    # A second later the address has caught up by ten intervals: its burst is back.
    assert [pacer.delay("10.0.0.1", now=101.0) for _ in range(3)] == [0, 0, 0]


def test_a_refusal_is_never_held_longer_than_the_bound() -> None:
    pacer = RefusalPacer(per_s=1, burst=1, max_hold_s=2.5)
    waits = [pacer.delay("10.0.0.1", now=0.0) for _ in range(100)]
    assert max(waits) == 2.5 and waits[:4] == [0, 1, 2, 2.5]
    assert pacer.delay("10.0.0.1", now=2.5) == 0  # a flood that stopped is not held against it


def test_the_remembered_addresses_are_bounded() -> None:
    pacer = RefusalPacer(per_s=1, burst=1, max_addresses=50)
    for i in range(500):
        pacer.delay(f"10.0.{i // 256}.{i % 256}", now=0.0)
    assert len(pacer._due) <= 50


async def test_held_refusals_are_bounded_and_released_on_cancellation() -> None:
    pacer = RefusalPacer(per_s=1, burst=1, max_held=3)
    held = [asyncio.create_task(pacer.hold("10.0.0.1")) for _ in range(6)]
    await asyncio.sleep(0.05)
    assert pacer.held == 3  # the first went at once, three wait, two more went at once
    assert sum(task.done() for task in held) == 3
    for task in held:
        task.cancel()
    await asyncio.gather(*held, return_exceptions=True)
    assert pacer.held == 0


async def test_a_flood_of_refused_sign_ins_is_paced_per_address(
    database: Database, settings: Settings
) -> None:
    await make_user(database, "buyer", "s3cret-pass", role=Role.OPERATOR)
    guard = signin.SignInGuard(concurrency=2, refusals_per_s=20, refusal_burst=2)

    async def attempt(ip: str) -> str:
        client = Client(ip=ip, user_agent="pytest")
        try:
            await signin.sign_in(database, settings, "buyer", "wrong", client, new_token(), guard)
        except HiveError as exc:
            return exc.code
        return "signed_in"

    for _ in range(settings.login_account_max_attempts):  # lock the account
        await attempt("10.0.0.1")
    started = time.monotonic()
    codes = await asyncio.gather(*(attempt("10.0.0.1") for _ in range(8)))
    paced_s = time.monotonic() - started
    started = time.monotonic()
    other = await asyncio.gather(*(attempt("10.0.0.2") for _ in range(2)))
    other_s = time.monotonic() - started
    assert set(codes) == set(other) == {"sign_in_locked"}
    assert paced_s >= 0.29  # two at once, then six at 50 ms intervals
    assert other_s < 0.25  # another address is refused within its own burst
