"""Rate-limit buckets (PostgreSQL and Redis), breaker, bulkhead and retry policy."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from hive.platform.db import Database
from hive.suppliers import repository
from hive.suppliers.errors import (
    BulkheadFull,
    CircuitOpen,
    OutOfStock,
    SupplierUnavailable,
)
from hive.suppliers.resilience.breaker import BreakerState, CircuitBreaker
from hive.suppliers.resilience.bulkhead import Bulkhead
from hive.suppliers.resilience.rate_limit import GroupedTakes, RedisRateLimiter
from hive.suppliers.resilience.retry import RetryPolicy, with_retries
from tests.support.cancellation import cancel_at_every_suspension
from tests.support.services import REDIS_URL, require_server


async def test_postgres_bucket_hands_out_a_burst_then_goes_into_debt(database: Database) -> None:
    lefts = []
    for _ in range(4):
        async with database.platform_transaction() as session:
            lefts.append(
                await repository.take_rate_tokens(session, "s:m", rate=0.01, burst=2.0, count=1)
            )
    # 2 tokens of burst, then each caller owes one token more than the one before (the refill
    # rate is so slow that the time between the calls adds nothing measurable).
    assert lefts[0] == pytest.approx(1.0, abs=0.05)
    assert lefts[1] == pytest.approx(0.0, abs=0.05)
    assert lefts[2] == pytest.approx(-1.0, abs=0.05)
    assert lefts[3] == pytest.approx(-2.0, abs=0.05)


class ScriptedTakes(GroupedTakes):
    """A bucket in memory (no refill) that records how many tokens each take asked for."""

    def __init__(self, tokens: float, *, fail: bool = False) -> None:
        super().__init__()
        self.tokens = tokens
        self.takes: list[int] = []
        self.fail = fail

    async def _take(self, key: str, rate: float, count: int) -> float:
        await asyncio.sleep(0.01)  # a round trip, during which more callers arrive
        if self.fail:
            raise SupplierUnavailable()
        self.takes.append(count)
        self.tokens -= count
        return self.tokens


async def test_concurrent_callers_share_one_take_and_wait_as_if_they_took_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        if seconds >= 0.05:  # the limiter's waits (the scripted round trip is 0.01 s)
            waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    limiter = ScriptedTakes(tokens=2.0)
    await asyncio.gather(*(limiter.acquire("s:m", rate=10.0) for _ in range(5)))
    await asyncio.gather(*(limiter.acquire("s:m", rate=10.0) for _ in range(2)))

    assert limiter.takes == [5, 2]  # one round trip per group, not per caller
    # Separate takes from 2 tokens leave 1, 0, -1, -2, -3, then -4, -5: at 10 tokens/s the
    # callers in debt wait 0.1 s per token owed.
    assert waits == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])


async def test_a_failed_take_fails_its_group_and_the_next_callers_start_afresh() -> None:
    limiter = ScriptedTakes(tokens=5.0, fail=True)
    results = await asyncio.gather(
        *(limiter.acquire("s:m", rate=10.0) for _ in range(3)), return_exceptions=True
    )
    assert [type(r) for r in results] == [SupplierUnavailable] * 3
    limiter.fail = False
    await limiter.acquire("s:m", rate=10.0)
    assert limiter.takes == [1]


async def test_a_caller_cancelled_while_waiting_leaves_the_others_served() -> None:
    limiter = ScriptedTakes(tokens=10.0)
    callers = [asyncio.create_task(limiter.acquire("s:m", rate=10.0)) for _ in range(3)]
    await asyncio.sleep(0.001)  # the take is on its way
    callers[1].cancel()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], asyncio.CancelledError)
    assert limiter.takes == [3]  # its token was taken with the others' (as a lone take would)
    await limiter.acquire("s:m", rate=10.0)  # and the limiter serves the next caller
    assert limiter.takes == [3, 1]


@pytest.mark.redis
async def test_redis_bucket_follows_the_same_arithmetic() -> None:
    require_server("Redis", REDIS_URL, 6379)
    limiter = RedisRateLimiter(REDIS_URL, prefix=f"hive-test:{uuid.uuid4().hex}:")
    try:
        lefts = [
            float(await limiter._script(keys=[limiter._prefix + "k"], args=[1.0, 2.0, 1]))
            for _ in range(3)
        ]
        await limiter.acquire("fresh", 1000.0)  # burst available: returns at once
    finally:
        await limiter.close()
    assert lefts[0] == pytest.approx(1.0, abs=0.05)
    assert lefts[2] == pytest.approx(-1.0, abs=0.05)


def test_breaker_opens_after_threshold_and_recovers_through_one_probe() -> None:
    now = [0.0]
    states: list[BreakerState] = []
    breaker = CircuitBreaker(
        name="t",
        failure_threshold=2,
        reset_after_s=10,
        clock=lambda: now[0],
        on_change=states.append,
    )
    breaker.record_failure(breaker.before_call())
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure(breaker.before_call())
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen) as raised:
        breaker.before_call()
    assert raised.value.details == {"breaker": "t"}
    now[0] = 10
    probe = breaker.before_call()
    assert probe.probe
    with pytest.raises(CircuitOpen) as raised:
        breaker.before_call()  # only one probe at a time
    assert raised.value.details == {"breaker": "t", "probe": "in flight"}
    breaker.record_failure(probe)
    assert breaker.state is BreakerState.OPEN  # failed probe: open again, for a full period
    now[0] = 19.9
    assert breaker.state is BreakerState.OPEN
    now[0] = 20
    breaker.record_success(breaker.before_call())
    assert breaker.state is BreakerState.CLOSED
    assert states == [
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.CLOSED,
    ]


def test_a_released_probe_gives_no_verdict_and_the_next_call_probes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(name="t", failure_threshold=1, reset_after_s=10, clock=lambda: now[0])
    breaker.record_failure(breaker.before_call())
    now[0] = 10
    probe = breaker.before_call()
    breaker.release(probe)  # cancelled by our caller
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.probe_in_flight
    second = breaker.before_call()
    assert second.probe
    breaker.record_failure(probe)  # a verdict after the release is ignored: one per permit
    assert breaker.state is BreakerState.HALF_OPEN and breaker.probe_in_flight
    breaker.record_success(second)
    assert breaker.state is BreakerState.CLOSED


def test_calls_admitted_before_the_breaker_opened_do_not_decide_for_the_probe() -> None:
    now = [0.0]
    breaker = CircuitBreaker(name="t", failure_threshold=1, reset_after_s=10, clock=lambda: now[0])
    early_success, early_failure = breaker.before_call(), breaker.before_call()
    breaker.record_failure(breaker.before_call())
    now[0] = 10
    probe = breaker.before_call()
    breaker.record_success(early_success)
    breaker.record_failure(early_failure)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.probe_in_flight  # still the probe's to decide
    breaker.record_success(probe)
    assert breaker.state is BreakerState.CLOSED


async def test_bulkhead_refuses_when_full_for_too_long() -> None:
    bulkhead = Bulkhead(name="t", max_concurrent=1, max_wait_s=0.01)
    release = asyncio.Event()

    async def hold() -> None:
        async with bulkhead.slot():
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    with pytest.raises(BulkheadFull) as raised:
        async with bulkhead.slot():
            pass
    assert raised.value.details == {"bulkhead": "t"}
    release.set()
    await holder
    async with bulkhead.slot():
        assert bulkhead.in_use == 1
    assert bulkhead.in_use == 0


async def test_bulkhead_without_waiting_still_enters_a_free_slot() -> None:
    bulkhead = Bulkhead(name="t", max_concurrent=2, max_wait_s=0.0)
    async with bulkhead.slot(), bulkhead.slot():
        assert bulkhead.in_use == 2
        with pytest.raises(BulkheadFull):
            async with bulkhead.slot():
                pass


async def test_a_caller_cancelled_as_its_slot_is_granted_ends_cancelled_and_frees_it() -> None:
    bulkhead = Bulkhead(name="t", max_concurrent=1, max_wait_s=10.0)
    entered: list[str] = []

    async def wait_for_the_slot() -> None:
        async with bulkhead.slot():
            entered.append("ran although cancelled")

    held = bulkhead.slot()
    await held.__aenter__()
    waiter = asyncio.create_task(wait_for_the_slot())
    for _ in range(3):
        await asyncio.sleep(0)  # the waiter queues for the slot
    await held.__aexit__(None, None, None)  # the slot is handed to the waiter ...
    waiter.cancel()  # ... and its caller gives up in the same instant
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert entered == []
    assert bulkhead.in_use == 0
    async with asyncio.timeout(5):
        async with bulkhead.slot():
            pass


async def test_a_bulkhead_wait_cancelled_at_every_await_gives_every_slot_back() -> None:
    bulkhead = Bulkhead(name="t", max_concurrent=2, max_wait_s=10.0)
    holders: list[asyncio.Task[None]] = []

    async def hold(steps: int) -> None:
        async with bulkhead.slot():
            for _ in range(steps):
                await asyncio.sleep(0)

    async def operation() -> None:
        holders[:] = [asyncio.create_task(hold(3)), asyncio.create_task(hold(6))]
        await asyncio.sleep(0)  # both slots taken
        async with bulkhead.slot():
            await asyncio.sleep(0)

    async def check(_k: int) -> None:
        await asyncio.gather(*holders)
        assert bulkhead.in_use == 0
        async with asyncio.timeout(5), bulkhead.slot(), bulkhead.slot():
            assert bulkhead.in_use == 2  # both slots free again, none leaked

    run = await cancel_at_every_suspension(operation, check)
    assert run.points == 3  # the holders start, the wait for a slot, the work in the slot
    assert run.cancelled == [1, 2, 3]


async def test_retry_only_retryable_failures() -> None:
    policy = RetryPolicy(attempts=3, base_delay_s=0.0, max_delay_s=0.0)
    calls = {"flaky": 0, "refused": 0}

    async def flaky() -> str:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise SupplierUnavailable()
        return "ok"

    async def refused() -> str:
        calls["refused"] += 1
        raise OutOfStock()

    assert await with_retries(flaky, policy) == "ok"
    with pytest.raises(OutOfStock):
        await with_retries(refused, policy)
    assert calls == {"flaky": 3, "refused": 1}


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(attempts=5, base_delay_s=0.1, max_delay_s=0.3)
    delays = [policy.delay(attempt) for attempt in range(10) for _ in range(20)]
    assert all(0 <= d <= 0.3 for d in delays)
    assert len(set(delays)) > 100
