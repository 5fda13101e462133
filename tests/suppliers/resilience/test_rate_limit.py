"""Rate-limit buckets (PostgreSQL and Redis) and the grouped takes in front of them: the
arithmetic, and that a caller cancelled at any await gives its place and token back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from typing import Any

import pytest
import redis.asyncio as redis_asyncio

from hive.platform.db import Database
from hive.suppliers import repository
from hive.suppliers.errors import SupplierUnavailable
from hive.suppliers.resilience.rate_limit import GroupedTakes, PostgresRateLimiter, RedisRateLimiter
from tests.support.cancellation import (
    cancel_at_every_step,
    cancel_at_every_suspension,
    cancelled_at_every_point,
    other_connections,
)
from tests.support.services import REDIS_URL, require_server

KEY = "s:m"


class ScriptedTakes(GroupedTakes):
    """A bucket in memory (no refill): each take is a round trip of two awaits; records each
    take, each refund and each wait the limiter asked for."""

    def __init__(self, tokens: float, *, fail: bool = False) -> None:
        super().__init__(sleep=self._wait)
        self.burst = tokens
        self.tokens = tokens
        self.fail = fail
        self.takes: list[int] = []
        self.refunds: list[int] = []
        self.waits: list[float] = []
        self.in_flight = False
        self.take_started = asyncio.Event()
        self.waiting = asyncio.Event()
        self.wake = asyncio.Event()
        self.wake.set()

    async def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waiting.set()
        await asyncio.sleep(0)
        await self.wake.wait()

    async def _take(self, key: str, rate: float, count: int, refund: int) -> float:
        self.in_flight = True
        self.take_started.set()
        try:
            for _ in range(2):
                await asyncio.sleep(0)
        finally:
            self.in_flight = False
        if self.fail:
            raise SupplierUnavailable()
        self.takes.append(count)
        self.refunds.append(refund)
        self.tokens = min(self.burst, self.tokens + refund) - count
        return self.tokens

    async def settled(self) -> None:
        await asyncio.gather(*self._servers)
        assert self.holds_nothing()


async def test_concurrent_callers_share_one_take_and_wait_as_if_they_took_one_by_one() -> None:
    limiter = ScriptedTakes(tokens=2.0)
    await asyncio.gather(*(limiter.acquire(KEY, rate=10.0) for _ in range(5)))
    await asyncio.gather(*(limiter.acquire(KEY, rate=10.0) for _ in range(2)))

    assert limiter.takes == [5, 2]  # one round trip per group, not per caller
    # Separate takes from 2 tokens leave 1, 0, -1, -2, -3, then -4, -5: at 10 tokens/s the
    # callers in debt wait 0.1 s per token owed.
    assert limiter.waits == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert limiter.tokens == -5.0


async def test_a_failed_take_fails_its_group_and_the_next_callers_start_afresh() -> None:
    limiter = ScriptedTakes(tokens=5.0, fail=True)
    results = await asyncio.gather(
        *(limiter.acquire(KEY, rate=10.0) for _ in range(3)), return_exceptions=True
    )
    assert [type(r) for r in results] == [SupplierUnavailable] * 3
    limiter.fail = False
    await limiter.acquire(KEY, rate=10.0)
    assert limiter.takes == [1]
    assert limiter.tokens == 4.0


async def test_a_refund_pending_when_a_take_fails_goes_with_the_next_take() -> None:
    limiter = ScriptedTakes(tokens=10.0)
    callers = [asyncio.create_task(limiter.acquire(KEY, rate=10.0)) for _ in range(2)]
    await limiter.take_started.wait()
    callers[1].cancel()  # its token is taken with the first's, and owed back
    await asyncio.gather(*callers, return_exceptions=True)
    limiter.fail = True
    with pytest.raises(SupplierUnavailable):
        await limiter.acquire(KEY, rate=10.0)  # the refund was not given: kept, not lost
    limiter.fail = False
    await limiter.acquire(KEY, rate=10.0)
    assert (limiter.takes, limiter.refunds) == ([2, 1], [0, 1])
    assert limiter._refunds == {}
    assert limiter.tokens == 8.0  # as if only the two callers served had come


async def test_a_caller_cancelled_in_the_turn_its_take_failed_has_nothing_refunded() -> None:
    """Its take failed (no token taken) and it was cancelled before it woke to hear so: it
    gave up with an answer in hand, and that answer is an error, not a token to give back."""
    cancel_caller: list[asyncio.Task[None]] = []

    class CancelledAsItFails(ScriptedTakes):
        async def _take(self, key: str, rate: float, count: int, refund: int) -> float:
            try:
                return await super()._take(key, rate, count, refund)
            except SupplierUnavailable:  # runs before the caller wakes to its failed turn
                asyncio.get_running_loop().call_soon(cancel_caller[0].cancel)
                raise

    limiter = CancelledAsItFails(tokens=10.0, fail=True)
    cancel_caller.append(asyncio.create_task(limiter.acquire(KEY, rate=10.0)))
    with pytest.raises(asyncio.CancelledError):
        await cancel_caller[0]
    await limiter.settled()
    assert limiter._refunds == {}
    limiter.fail = False
    await limiter.acquire(KEY, rate=10.0)
    assert (limiter.takes, limiter.refunds) == ([1], [0])
    assert limiter.tokens == 9.0


async def test_a_caller_cancelled_during_the_take_has_its_token_refunded() -> None:
    limiter = ScriptedTakes(tokens=10.0)
    callers = [asyncio.create_task(limiter.acquire(KEY, rate=10.0)) for _ in range(3)]
    await limiter.take_started.wait()  # the take is on its way
    assert limiter.in_flight
    callers[1].cancel()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], asyncio.CancelledError)
    assert limiter.takes == [3]  # its token was taken with the others' ...
    await limiter.acquire(KEY, rate=10.0)
    assert (limiter.takes, limiter.refunds) == ([3, 1], [0, 1])  # ... and given back
    assert limiter.tokens == 7.0  # as if only the three callers served had come


async def test_a_caller_cancelled_before_the_take_is_left_out_of_it() -> None:
    limiter = ScriptedTakes(tokens=10.0)
    callers = [asyncio.create_task(limiter.acquire(KEY, rate=10.0)) for _ in range(3)]
    await asyncio.sleep(0)  # all three queued, the take not yet started
    assert not limiter.in_flight
    callers[0].cancel()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert limiter.takes == [2] and limiter.refunds == [0]
    assert limiter.tokens == 8.0


async def test_a_caller_cancelled_while_it_waits_out_its_debt_gives_its_turn_back() -> None:
    limiter = ScriptedTakes(tokens=1.0)
    limiter.wake.clear()  # waits in debt last until the test says so
    first, second = (asyncio.create_task(limiter.acquire(KEY, rate=10.0)) for _ in range(2))
    await limiter.waiting.wait()
    await first  # the burst token: no wait
    second.cancel()  # owed 0.1 s, gives up after a moment
    with pytest.raises(asyncio.CancelledError):
        await second
    limiter.wake.set()
    await limiter.acquire(KEY, rate=10.0)
    # The next caller gets the second's turn (0.1 s), not the one after it (0.2 s).
    assert limiter.waits == pytest.approx([0.1, 0.1])
    assert (limiter.takes, limiter.refunds) == ([2, 1], [0, 1])
    assert limiter.tokens == -1.0


async def test_a_caller_in_debt_cancelled_at_every_await_gives_its_turn_back() -> None:
    current: list[ScriptedTakes] = []

    async def operation() -> None:
        limiter = ScriptedTakes(tokens=1.0)
        current[:] = [limiter]
        await limiter.acquire(KEY, rate=10.0)  # the burst token
        await limiter.acquire(KEY, rate=10.0)  # owes one: waits 0.1 s

    async def check(k: int) -> None:
        limiter = current[0]
        await limiter.settled()
        await limiter.acquire(KEY, rate=10.0)  # applies the refund still pending, if any
        await limiter.settled()
        assert limiter._refunds == {}
        served = 2 if k > 3 else 1 if k > 1 else 0  # k = 2: left out; k = 3: refunded
        assert limiter.tokens == limiter.burst - served - 1

    run = await cancel_at_every_suspension(operation, check)
    assert run.points == 3  # turn; turn, wait
    assert run.cancelled == [1, 2, 3]


async def test_callers_cancelled_at_every_step_give_back_their_places_and_tokens() -> None:
    """Callers gathered together, cancelled after every turn of the loop: before their take,
    during it, while waiting out their debt, and after being served."""
    current: list[ScriptedTakes] = []
    served: list[int] = []

    async def one(limiter: ScriptedTakes) -> None:
        await limiter.acquire(KEY, rate=10.0)
        served.append(1)

    def operation() -> Coroutine[Any, Any, None]:
        served.clear()
        limiter = ScriptedTakes(tokens=1.0)  # one burst token: the others go into debt
        current[:] = [limiter]

        async def callers() -> None:
            await asyncio.gather(one(limiter), one(limiter), one(limiter))
            await one(limiter)

        return callers()

    async def check(_k: int) -> None:
        limiter = current[0]
        await limiter.settled()
        await limiter.acquire(KEY, rate=10.0)  # applies every refund still pending
        await limiter.settled()
        assert limiter._refunds == {}
        # The bucket lost exactly the tokens of the callers that were served.
        assert limiter.tokens == limiter.burst - len(served) - 1

    run = await cancel_at_every_step(operation, check)
    assert run.points >= 10
    assert run.cancelled == list(range(run.points))


async def test_a_take_cancelled_at_every_await_fails_its_callers_instead_of_stranding_them() -> (
    None
):
    current: list[tuple[ScriptedTakes, list[asyncio.Future[float]]]] = []

    def operation() -> Coroutine[Any, Any, None]:
        limiter = ScriptedTakes(tokens=10.0)
        loop = asyncio.get_running_loop()
        turns = [loop.create_future() for _ in range(3)]
        limiter._waiting[KEY] = list(turns)  # three callers queued, as acquire leaves them
        current[:] = [(limiter, turns)]
        return limiter._serve(KEY, 10.0)  # the take task, to be cancelled (a shutdown)

    async def check(_k: int) -> None:
        limiter, turns = current[0]
        assert all(turn.done() for turn in turns)  # served or cancelled, none left waiting
        assert limiter._waiting == {}
        await limiter.acquire(KEY, rate=10.0)
        await limiter.settled()

    run = await cancel_at_every_suspension(operation, check)
    assert run.points == 3  # the grouping pause, the take's two awaits
    assert run.cancelled == [1, 2, 3]


async def test_a_take_cancelled_before_its_first_step_fails_its_callers() -> None:
    """A shutdown can cancel the take task before it ever ran (its ``finally`` never runs):
    its caller is cancelled rather than left waiting, and the next caller is served."""
    limiter = ScriptedTakes(tokens=10.0)
    caller = asyncio.create_task(limiter.acquire(KEY, rate=10.0))
    await asyncio.sleep(0)  # the caller queued and started the take task, which has not run
    (server,) = limiter._servers
    server.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(caller, timeout=5)
    assert limiter._waiting == {} and limiter.takes == []
    await asyncio.wait_for(limiter.acquire(KEY, rate=10.0), timeout=5)
    await limiter.settled()
    assert limiter.takes == [1]


async def test_holds_nothing_only_once_the_take_task_has_ended() -> None:
    """The served caller resumes before its take task has finished: until that task ends the
    limiter still holds it (the tests' leak check, :meth:`ScriptedTakes.settled`, relies on
    both the queue and the take tasks being empty)."""
    limiter = ScriptedTakes(tokens=10.0)
    assert limiter.holds_nothing()
    await limiter.acquire(KEY, rate=10.0)  # in this task: resumed as soon as it is served
    assert (limiter._waiting, len(limiter._servers)) == ({}, 1)  # the take task finishing
    assert not limiter.holds_nothing()
    await asyncio.gather(*limiter._servers)
    assert limiter.holds_nothing()


async def bucket_level(database: Database, key: str, rate: float, burst: float) -> float:
    async with database.platform_transaction() as session:
        return await repository.take_rate_tokens(session, key, rate, burst, 0)


async def test_postgres_bucket_hands_out_a_burst_then_goes_into_debt(database: Database) -> None:
    lefts = []
    for _ in range(4):
        async with database.platform_transaction() as session:
            lefts.append(
                await repository.take_rate_tokens(session, KEY, rate=0.01, burst=2.0, count=1)
            )
    # 2 tokens of burst, then each caller owes one token more than the one before (the refill
    # rate is so slow that the time between the calls adds nothing measurable).
    assert lefts == pytest.approx([1.0, 0.0, -1.0, -2.0], abs=0.05)


async def test_postgres_bucket_refunds_never_exceed_the_burst(database: Database) -> None:
    async with database.platform_transaction() as session:
        take = repository.take_rate_tokens
        assert await take(session, KEY, rate=0.01, burst=2.0, count=3) == pytest.approx(-1.0)
        left = await take(session, KEY, rate=0.01, burst=2.0, count=1, refund=2)
        assert left == pytest.approx(0.0, abs=0.05)
        left = await take(session, KEY, rate=0.01, burst=2.0, count=1, refund=10)
        assert left == pytest.approx(1.0, abs=0.05)  # capped at the burst of 2, then one taken


async def test_postgres_limiter_refunds_the_turn_of_a_caller_cancelled_in_debt(
    database: Database,
) -> None:
    limiter = PostgresRateLimiter(database)
    waits: list[float] = []
    asleep = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        asleep.set()
        await asyncio.Event().wait()  # until cancelled

    limiter._sleep = sleep
    await limiter.acquire(KEY, rate=0.01)  # the burst token (burst 1 at this rate)
    waiting = asyncio.create_task(limiter.acquire(KEY, rate=0.01))
    await asleep.wait()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await bucket_level(database, KEY, 0.01, 1.0) == pytest.approx(-1.0, abs=0.05)
    asleep.clear()
    third = asyncio.create_task(limiter.acquire(KEY, rate=0.01))
    await asleep.wait()
    third.cancel()
    with pytest.raises(asyncio.CancelledError):
        await third
    # The third caller took the cancelled one's turn: it owes one token, not two.
    assert waits == pytest.approx([100.0, 100.0], rel=0.05)


async def test_a_postgres_take_cancelled_at_every_await_leaves_no_connection_or_lock(
    database: Database,
) -> None:
    """The take's own transaction, cancelled at each of its awaits (a shutdown while callers
    wait): the callers are failed, the connection goes back, the bucket stays usable."""
    current: list[tuple[PostgresRateLimiter, list[asyncio.Future[float]]]] = []

    def operation() -> Coroutine[Any, Any, None]:
        limiter = PostgresRateLimiter(database)
        loop = asyncio.get_running_loop()
        turns = [loop.create_future() for _ in range(2)]
        limiter._waiting[KEY] = list(turns)
        current[:] = [(limiter, turns)]
        return limiter._serve(KEY, 1000.0)

    async def check(_k: int) -> None:
        limiter, turns = current[0]
        assert all(turn.done() for turn in turns)
        assert await other_connections(database) == 0  # closed, not leaked
        await limiter.acquire(KEY, rate=1000.0)
        await asyncio.gather(*limiter._servers)
        assert limiter.holds_nothing()

    run = await cancel_at_every_suspension(operation, check)
    assert run.points >= 4  # connect, begin, the statement, commit (at least)
    assert cancelled_at_every_point(run)


@pytest.mark.redis
async def test_redis_bucket_follows_the_same_arithmetic() -> None:
    require_server("Redis", REDIS_URL, 6379)
    prefix = f"hive-test:{uuid.uuid4().hex}:"
    limiter = RedisRateLimiter(REDIS_URL, prefix=prefix)
    try:
        lefts = [await limiter._take("k", 0.01, 1, 0) for _ in range(3)]
        assert lefts == pytest.approx([0.0, -1.0, -2.0], abs=0.05)  # burst 1 at 0.01/s
        assert await limiter._take("k", 0.01, 1, 10) == pytest.approx(0.0, abs=0.05)  # capped
    finally:
        await limiter.close()


@pytest.mark.redis
async def test_a_redis_bucket_refills_at_its_rate_between_takes() -> None:
    """Between two takes the bucket gains ``rate`` tokens a second by Redis's own clock (the
    ``at`` each take stores), up to its burst; the bucket's key expires after an hour."""
    require_server("Redis", REDIS_URL, 6379)
    prefix = f"hive-test:{uuid.uuid4().hex}:"
    limiter = RedisRateLimiter(REDIS_URL, prefix=prefix)
    reader = redis_asyncio.from_url(REDIS_URL)
    rate, burst = 10.0, 10.0  # burst: one second's worth
    lefts: list[float] = []
    stamps: list[float] = []
    try:
        for count in (10, 1, 1):  # empty the full bucket, then one token after each pause
            if lefts:
                await asyncio.sleep(0.2)
            lefts.append(await limiter._take("refill", rate, count, 0))
            stamps.append(float(await reader.hget(prefix + "refill", "at")))
        ttl = await reader.ttl(prefix + "refill")
    finally:
        await reader.aclose()
        await limiter.close()
    assert lefts[0] == pytest.approx(0.0, abs=0.01)
    for k in (1, 2):
        gap = stamps[k] - stamps[k - 1]
        assert gap >= 0.199  # the pause at least (the stored time has 4 decimals)
        assert lefts[k] == pytest.approx(min(burst, lefts[k - 1] + gap * rate) - 1, abs=0.01)
    assert 3590 <= ttl <= 3600


@pytest.mark.redis
async def test_redis_limiter_spreads_a_burst_at_the_configured_rate() -> None:
    require_server("Redis", REDIS_URL, 6379)
    prefix = f"hive-test:{uuid.uuid4().hex}:"
    limiter = RedisRateLimiter(REDIS_URL, prefix=prefix)
    reader = redis_asyncio.from_url(REDIS_URL)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        # 20/s with a burst of 20: the 25th caller owes 5 tokens, a quarter of a second.
        await asyncio.gather(*(limiter.acquire("burst", 20.0) for _ in range(25)))
        elapsed = loop.time() - started
        tokens = float(await reader.hget(prefix + "burst", "tokens"))
    finally:
        await reader.aclose()
        await limiter.close()
    assert elapsed >= 0.24  # a lower bound only: a loaded machine can only make it longer
    assert tokens == pytest.approx(-5.0, abs=0.05)  # as stored by the grouped take


@pytest.mark.redis
async def test_a_redis_take_cancelled_at_every_await_leaves_the_client_in_step() -> None:
    """A take cancelled mid-command must not leave a connection checked out, nor one whose
    unread reply the next command would take for its own. (redis-py sends with
    ``asyncio.wait_for``, which on Python 3.11 eats a cancellation that arrives as the send
    completes: that take then simply finishes, which holds nothing either.)"""
    require_server("Redis", REDIS_URL, 6379)
    limiter = RedisRateLimiter(REDIS_URL, prefix=f"hive-test:{uuid.uuid4().hex}:")
    current: list[list[asyncio.Future[float]]] = []

    def operation() -> Coroutine[Any, Any, None]:
        turns = [asyncio.get_running_loop().create_future() for _ in range(2)]
        limiter._waiting[KEY] = list(turns)
        current[:] = [turns]
        return limiter._serve(KEY, 1000.0)

    async def check(k: int) -> None:
        assert all(turn.done() for turn in current[0])
        assert limiter._waiting == {}
        assert list(limiter._client.connection_pool._get_in_use_connections()) == []
        fresh = f"check-{k}"  # burst 1 at 0.01/s: each take answers its own arithmetic
        assert await limiter._take(fresh, 0.01, 1, 0) == pytest.approx(0.0, abs=0.05)
        assert await limiter._take(fresh, 0.01, 1, 0) == pytest.approx(-1.0, abs=0.05)

    try:
        run = await cancel_at_every_suspension(operation, check, swallowed_ok=True)
    finally:
        await limiter.close()
    assert run.points >= 2  # the grouping pause, the command's round trip (at least)
    assert cancelled_at_every_point(run)
    # The grouping pause is always cancelled for real; whether redis-py's wait_for eats the
    # cancellation at the round trip depends on timing (the docstring), so a run may see
    # only that one, and every point is still checked above.
    assert 1 in run.cancelled


@pytest.mark.redis
async def test_redis_buckets_are_shared_under_the_hive_rate_prefix() -> None:
    """Every process (and every version of it, side by side in a deploy) must take from the
    same bucket: by default the bucket of ``key`` is the Redis hash ``hive:rate:<key>``."""
    require_server("Redis", REDIS_URL, 6379)
    key = f"test-{uuid.uuid4().hex}"
    limiter = RedisRateLimiter(REDIS_URL)
    reader = redis_asyncio.from_url(REDIS_URL)
    try:
        await limiter.acquire(key, 10.0)
        tokens = await reader.hget(f"hive:rate:{key}", "tokens")
    finally:
        await reader.delete(f"hive:rate:{key}")
        await reader.aclose()
        await limiter.close()
    assert tokens == b"9"  # a full burst of 10, one taken
