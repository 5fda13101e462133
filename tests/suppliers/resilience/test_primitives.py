"""Breaker, bulkhead and retry policy (the rate-limit buckets: test_rate_limit.py)."""

from __future__ import annotations

import asyncio

import pytest

from hive.suppliers.errors import (
    BulkheadFull,
    CircuitOpen,
    OutOfStock,
    SupplierUnavailable,
)
from hive.suppliers.resilience.breaker import BreakerState, CircuitBreaker
from hive.suppliers.resilience.bulkhead import Bulkhead
from hive.suppliers.resilience.retry import RetryPolicy, with_retries
from tests.support.cancellation import cancel_at_every_suspension


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


async def test_retry_reports_each_failure_with_the_number_of_the_retry_it_causes() -> None:
    policy = RetryPolicy(attempts=3, base_delay_s=0.0, max_delay_s=0.0)
    raised: list[SupplierUnavailable] = []
    retries: list[tuple[object, int]] = []

    async def failing() -> str:
        raised.append(SupplierUnavailable(f"第 {len(raised) + 1} 次"))
        raise raised[-1]

    with pytest.raises(SupplierUnavailable) as last:
        await with_retries(failing, policy, on_retry=lambda e, n: retries.append((e, n)))
    assert last.value is raised[2]  # the last attempt's failure is raised, not reported
    assert len(retries) == 2
    assert retries[0][0] is raised[0] and retries[1][0] is raised[1]
    assert [n for _, n in retries] == [1, 2]


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(attempts=5, base_delay_s=0.1, max_delay_s=0.3)
    delays = [policy.delay(attempt) for attempt in range(10) for _ in range(20)]
    assert all(0 <= d <= 0.3 for d in delays)
    assert len(set(delays)) > 100


def test_backoff_ceiling_doubles_from_the_base_until_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bounds: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return high

    monkeypatch.setattr("hive.suppliers.resilience.retry.random.uniform", uniform)
    policy = RetryPolicy(attempts=5, base_delay_s=0.25, max_delay_s=3.0)
    assert [policy.delay(attempt) for attempt in range(6)] == [0.25, 0.5, 1.0, 2.0, 3.0, 3.0]
    assert {low for low, _ in bounds} == {0}
