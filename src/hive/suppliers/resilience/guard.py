"""One guard per supplier wraps every call: rate limit, bulkhead, circuit breaker, a deadline,
metrics and (optionally) retries.

What the breaker counts: retryable failures of the supplier, and an attempt that outlives
``HIVE_SUPPLIER_TIMEOUT_S`` (a supplier that does not answer in time is unhealthy; the attempt
fails with ``supplier_unavailable``). Business refusals count as answers. A call cancelled by
our own caller (the console's deadline, a shutdown) gives no verdict — the caller's patience says
nothing about the supplier — and neither does a refusal by our own bulkhead or rate limiter or
an error of ours; such a call only gives its breaker permit back, so a cancelled half-open probe
frees the probe slot for the next call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import Gauge

from hive.platform.config import Settings
from hive.suppliers.errors import SupplierError, SupplierUnavailable
from hive.suppliers.resilience.breaker import BreakerState, CircuitBreaker, Permit
from hive.suppliers.resilience.breaker_log import BreakerLog
from hive.suppliers.resilience.bulkhead import Bulkhead
from hive.suppliers.resilience.metrics import (
    BREAKER_STATE,
    SUPPLIER_CALLS,
    SUPPLIER_ERRORS,
    SUPPLIER_LATENCY,
    SUPPLIER_RETRIES,
)
from hive.suppliers.resilience.rate_limit import RateLimiter
from hive.suppliers.resilience.retry import RetryPolicy, with_retries

T = TypeVar("T")
DEFAULT_METHOD = "*"


class CallGuard:
    def __init__(
        self,
        *,
        supplier_id: int,
        supplier_name: str,
        rate_limits: dict[str, float],
        limiter: RateLimiter,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
        breaker_log: BreakerLog | None = None,
    ):
        self._supplier_id = supplier_id
        self._label = supplier_name
        self._rates = rate_limits
        self._default_rate = rate_limits.get(DEFAULT_METHOD, settings.supplier_default_qps)
        self._limiter = limiter
        self._settings = settings
        self._clock = clock
        self._timeout_s = settings.supplier_timeout_s
        self._breakers: dict[str, CircuitBreaker] = {}
        self._breaker_log = breaker_log
        # The last retryable failure per method: what opened the breaker, for its record.
        self._last_failure: dict[str, SupplierError] = {}
        self._bulkheads: dict[str, Bulkhead] = {}
        self.retry_policy = RetryPolicy(
            attempts=settings.supplier_retry_attempts,
            base_delay_s=settings.supplier_retry_base_s,
            max_delay_s=settings.supplier_retry_max_s,
        )

    @property
    def bulkhead_size(self) -> int:
        """Calls of one method in flight at most; a caller fanning out more than this many at
        once bounds its own fan-out to it rather than having its calls refused as busy."""
        return self._settings.supplier_bulkhead_size

    def breaker(self, method: str) -> CircuitBreaker:
        if method not in self._breakers:
            gauge = BREAKER_STATE.labels(self._label, method)
            gauge.set(BreakerState.CLOSED)
            self._breakers[method] = CircuitBreaker(
                name=f"{self._label}:{method}",
                failure_threshold=self._settings.supplier_breaker_failures,
                reset_after_s=self._settings.supplier_breaker_reset_s,
                clock=self._clock,
                on_change=lambda state: self._breaker_changed(method, gauge, state),
            )
        return self._breakers[method]

    def _breaker_changed(self, method: str, gauge: Gauge, state: BreakerState) -> None:
        gauge.set(state)
        if self._breaker_log is not None:
            failure = self._last_failure.get(method)
            self._breaker_log.changed(self._supplier_id, method, state, failure)

    def _bulkhead(self, method: str) -> Bulkhead:
        if method not in self._bulkheads:
            self._bulkheads[method] = Bulkhead(
                name=f"{self._label}:{method}",
                max_concurrent=self._settings.supplier_bulkhead_size,
                max_wait_s=self._settings.supplier_bulkhead_wait_s,
            )
        return self._bulkheads[method]

    async def call(self, method: str, send: Callable[[], Awaitable[T]], *, retry: bool = True) -> T:
        """Send one supplier call through every guard; retry retryable failures if asked."""

        async def attempt() -> T:
            return await self._guarded(method, send)

        if not retry:
            return await attempt()
        return await with_retries(
            attempt,
            self.retry_policy,
            on_retry=lambda _error, _n: SUPPLIER_RETRIES.labels(self._label, method).inc(),
        )

    async def _guarded(self, method: str, send: Callable[[], Awaitable[T]]) -> T:
        breaker = self.breaker(method)
        permit = breaker.before_call()
        try:
            await self._limiter.acquire(f"{self._supplier_id}:{method}", self._rate(method))
            async with self._bulkhead(method).slot():
                return await self._sent(method, send, breaker, permit)
        finally:
            breaker.release(permit)  # no verdict given (cancelled, refused by us): give it back

    async def _sent(
        self, method: str, send: Callable[[], Awaitable[T]], breaker: CircuitBreaker, permit: Permit
    ) -> T:
        """One attempt within the deadline; its outcome is the breaker's verdict."""
        SUPPLIER_CALLS.labels(self._label, method).inc()
        started = time.perf_counter()
        try:
            result = await self._within_deadline(method, send)
        except SupplierError as error:
            SUPPLIER_ERRORS.labels(self._label, method, error.code).inc()
            if error.retryable:
                self._last_failure[method] = error
                breaker.record_failure(permit)
            else:
                breaker.record_success(permit)  # a business refusal is an answer
            raise
        finally:
            SUPPLIER_LATENCY.labels(self._label, method).observe(time.perf_counter() - started)
        breaker.record_success(permit)
        return result

    async def _within_deadline(self, method: str, send: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await send()
        except TimeoutError:
            raise SupplierUnavailable(
                "供应商超时 / Supplier timed out",
                details={"method": method, "timeout_s": self._timeout_s},
            ) from None

    def _rate(self, method: str) -> float:
        return self._rates.get(method, self._default_rate)
