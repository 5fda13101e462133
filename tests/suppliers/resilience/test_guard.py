"""The guard around every supplier call: cancellation at every await gives back what the call
held (breaker permit, bulkhead slot, place in the rate-limit queue); timeouts count toward
opening the breaker, cancellation by our caller does not."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hive.platform.config import Settings
from hive.suppliers.errors import (
    BulkheadFull,
    CircuitOpen,
    OutOfStock,
    SupplierError,
    SupplierUnavailable,
)
from hive.suppliers.resilience.breaker import BreakerState, CircuitBreaker
from hive.suppliers.resilience.guard import CallGuard
from hive.suppliers.resilience.rate_limit import GroupedTakes
from tests.support.cancellation import cancel_at_every_suspension
from tests.support.vop import FakeClock

METHOD = "search/search"
SETTINGS = Settings(
    supplier_breaker_failures=2,
    supplier_breaker_reset_s=30.0,
    supplier_bulkhead_size=1,
    supplier_bulkhead_wait_s=5.0,
    supplier_retry_attempts=3,
    supplier_retry_base_s=0.0,
    supplier_retry_max_s=0.0,
)


class PlentyOfTokens(GroupedTakes):
    """A bucket in memory that never runs dry; each take is one round trip (one suspension)."""

    def __init__(self) -> None:
        super().__init__()
        self.takes: list[int] = []

    async def _take(self, key: str, rate: float, count: int, refund: int) -> float:
        await asyncio.sleep(0)
        self.takes.append(count)
        return 100.0

    async def idle(self) -> bool:
        await asyncio.gather(*self._servers)
        return self.holds_nothing() and not self._refunds


@dataclass
class Rig:
    guard: CallGuard
    limiter: PlentyOfTokens
    clock: FakeClock

    @property
    def breaker(self) -> CircuitBreaker:
        return self.guard.breaker(METHOD)

    async def holds_nothing(self) -> None:
        assert not self.breaker.probe_in_flight
        assert self.guard._bulkhead(METHOD).in_use == 0
        assert await self.limiter.idle()


def rig(settings: Settings = SETTINGS, *, name: str = "测试供应商") -> Rig:
    clock = FakeClock()
    limiter = PlentyOfTokens()
    guard = CallGuard(
        supplier_id=7,
        supplier_name=name,
        rate_limits={"*": 1000.0},
        limiter=limiter,
        settings=settings,
        clock=clock,
    )
    return Rig(guard, limiter, clock)


async def half_open(r: Rig) -> Rig:
    async def fail() -> str:
        raise SupplierUnavailable()

    for _ in range(SETTINGS.supplier_breaker_failures):
        with pytest.raises(SupplierUnavailable):
            await r.guard.call(METHOD, fail, retry=False)
    assert r.breaker.state is BreakerState.OPEN
    r.clock.now += SETTINGS.supplier_breaker_reset_s
    assert r.breaker.state is BreakerState.HALF_OPEN
    return r


async def answer() -> str:
    for _ in range(3):  # an exchange with a few awaits (connect, send, read)
        await asyncio.sleep(0)
    return "ok"


async def hang() -> str:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def test_a_cancelled_half_open_probe_lets_the_next_call_be_the_probe() -> None:
    # The console's 5 s timeout cancelled the single half-open trial call; upstream search then
    # answered supplier_circuit_open until a restart.
    r = await half_open(rig())
    at_supplier = asyncio.Event()

    async def slow() -> str:
        at_supplier.set()
        return await hang()

    probe = asyncio.create_task(r.guard.call(METHOD, slow))
    await at_supplier.wait()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert r.breaker.state is BreakerState.HALF_OPEN  # no verdict from a cancelled call
    assert await r.guard.call(METHOD, answer) == "ok"  # the next call is the probe
    assert r.breaker.state is BreakerState.CLOSED


async def test_a_half_open_probe_cancelled_at_every_await_frees_the_probe_slot() -> None:
    current: list[Rig] = []

    async def operation() -> str:
        return await current[0].guard.call(METHOD, answer)

    async def check(_k: int) -> None:
        r = current[0]
        await r.holds_nothing()
        if r.breaker.state is BreakerState.HALF_OPEN:  # cancelled: the next call probes
            assert await r.guard.call(METHOD, answer) == "ok"
        assert r.breaker.state is BreakerState.CLOSED
        current[:] = [await half_open(rig())]  # for the next run

    current.append(await half_open(rig()))
    run = await cancel_at_every_suspension(operation, check)
    # the turn in the rate-limit queue, then the three awaits of the exchange
    assert run.points == 4
    assert run.cancelled == [1, 2, 3, 4]


async def test_a_call_cancelled_at_every_await_while_the_bulkhead_is_full_and_retrying() -> None:
    """Closed breaker, the bulkhead's one slot held by another call, a first attempt that fails
    and is retried: every await of that path, cancelled, gives back what it holds."""
    current: list[Rig] = []

    async def holder(r: Rig) -> None:
        async with r.guard._bulkhead(METHOD).slot():
            for _ in range(10):  # longer than the caller's turn in the rate-limit queue
                await asyncio.sleep(0)

    def operation() -> Coroutine[Any, Any, str]:
        r = rig()
        current[:] = [r]
        held = asyncio.create_task(holder(r))
        attempts: list[int] = []

        async def flaky() -> str:
            attempts.append(1)
            await asyncio.sleep(0)
            if len(attempts) == 1:
                raise SupplierUnavailable()
            return "ok"

        async def call() -> str:
            try:
                return await r.guard.call(METHOD, flaky)
            finally:
                await held

        return call()

    async def check(_k: int) -> None:
        r = current[0]
        await r.holds_nothing()
        assert r.breaker.state is BreakerState.CLOSED
        assert await r.guard.call(METHOD, answer) == "ok"

    run = await cancel_at_every_suspension(operation, check)
    # turn, bulkhead wait, failed attempt, backoff, turn, attempt (the slot is free by then)
    assert run.points == 6
    assert run.cancelled == [1, 2, 3, 4, 5, 6]


async def test_an_attempt_that_outlives_the_deadline_counts_toward_opening_the_breaker() -> None:
    r = rig(SETTINGS.model_copy(update={"supplier_timeout_s": 0.05}))
    for _ in range(SETTINGS.supplier_breaker_failures):
        with pytest.raises(SupplierUnavailable) as raised:  # the guard's deadline, not ours
            await asyncio.wait_for(r.guard.call(METHOD, hang, retry=False), timeout=30)
        assert raised.value.code == "supplier_unavailable"
        assert raised.value.message == "供应商超时 / Supplier timed out"
        assert raised.value.details == {"method": METHOD, "timeout_s": 0.05}
    assert r.breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen) as refused:
        await r.guard.call(METHOD, answer)
    assert refused.value.details == {"breaker": f"测试供应商:{METHOD}"}
    await r.holds_nothing()


async def test_a_call_cancelled_by_its_caller_does_not_count_toward_opening_the_breaker() -> None:
    r = rig()  # deadline 10 s: our caller gives up first, as the console does after 5 s
    for _ in range(SETTINGS.supplier_breaker_failures * 3):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(r.guard.call(METHOD, hang), timeout=0.01)
    assert r.breaker.state is BreakerState.CLOSED
    assert r.breaker._failures == 0
    await r.holds_nothing()
    assert await r.guard.call(METHOD, answer) == "ok"


async def test_refusals_by_our_own_bulkhead_give_no_verdict_to_a_half_open_breaker() -> None:
    r = await half_open(rig(SETTINGS.model_copy(update={"supplier_bulkhead_wait_s": 0.0})))
    release = asyncio.Event()

    async def hold() -> None:
        async with r.guard._bulkhead(METHOD).slot():
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    with pytest.raises(BulkheadFull) as raised:
        await r.guard.call(METHOD, answer)
    assert raised.value.details == {"bulkhead": f"测试供应商:{METHOD}"}
    assert r.breaker.state is BreakerState.HALF_OPEN  # not closed by our own refusal
    assert not r.breaker.probe_in_flight
    release.set()
    await holder
    assert await r.guard.call(METHOD, answer) == "ok"
    assert r.breaker.state is BreakerState.CLOSED


async def test_a_business_refusal_is_an_answer_and_closes_a_half_open_breaker() -> None:
    r = await half_open(rig())

    async def refuse() -> str:
        raise OutOfStock()

    with pytest.raises(OutOfStock):
        await r.guard.call(METHOD, refuse)
    assert r.breaker.state is BreakerState.CLOSED


class AskedRates:
    """A limiter that always has a token; records the bucket and rate of every acquire."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float]] = []

    async def acquire(self, key: str, rate: float) -> None:
        self.asked.append((key, rate))


async def test_a_method_is_limited_at_its_own_rate_else_the_suppliers_else_the_default() -> None:
    settings = SETTINGS.model_copy(update={"supplier_default_qps": 3.0})
    limiter = AskedRates()

    def guard(rate_limits: dict[str, float]) -> CallGuard:
        return CallGuard(
            supplier_id=7,
            supplier_name="测试供应商",
            rate_limits=rate_limits,
            limiter=limiter,
            settings=settings,
            clock=FakeClock(),
        )

    both = guard({"*": 4.0, "order/submit": 2.0})
    assert await both.call("order/submit", answer) == "ok"
    assert await both.call(METHOD, answer) == "ok"
    assert await guard({"order/submit": 2.0}).call(METHOD, answer) == "ok"
    assert limiter.asked == [
        ("7:order/submit", 2.0),  # the method's own rate
        (f"7:{METHOD}", 4.0),  # the supplier's ("*")
        (f"7:{METHOD}", 3.0),  # neither: HIVE_SUPPLIER_DEFAULT_QPS
    ]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_every_attempt_failure_retry_and_breaker_state_is_counted_per_supplier_method() -> (
    None
):
    name = "指标供应商"
    r = rig(name=name)  # its own series in the process's registry
    labels = {"supplier": name, "method": METHOD}
    failures: list[SupplierError] = [SupplierUnavailable()]
    counted = (
        "hive_supplier_calls_total",
        "hive_supplier_retries_total",
        "hive_supplier_call_duration_seconds_count",
        "hive_supplier_call_duration_seconds_sum",
    )
    before = {counter: metric(counter, **labels) for counter in counted}
    before_errors = {
        code: metric("hive_supplier_errors_total", code=code, **labels)
        for code in ("supplier_unavailable", "out_of_stock")
    }

    async def flaky() -> str:
        if failures:
            raise failures.pop()
        return await answer()

    assert await r.guard.call(METHOD, flaky) == "ok"  # one failure, one retry
    failures.append(OutOfStock())
    with pytest.raises(OutOfStock):
        await r.guard.call(METHOD, flaky)  # an answer: not retried
    after = {counter: metric(counter, **labels) - before[counter] for counter in counted}
    assert after["hive_supplier_calls_total"] == 3
    assert after["hive_supplier_retries_total"] == 1
    assert after["hive_supplier_call_duration_seconds_count"] == 3
    assert 0 <= after["hive_supplier_call_duration_seconds_sum"] < 5
    assert {
        code: metric("hive_supplier_errors_total", code=code, **labels) - value
        for code, value in before_errors.items()
    } == {"supplier_unavailable": 1, "out_of_stock": 1}
    assert metric("hive_supplier_breaker_state", **labels) == BreakerState.CLOSED
    await half_open(r)
    assert metric("hive_supplier_breaker_state", **labels) == BreakerState.OPEN
    assert await r.guard.call(METHOD, answer) == "ok"
    assert metric("hive_supplier_breaker_state", **labels) == BreakerState.CLOSED
