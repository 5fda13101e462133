"""One guard per supplier wraps every call: rate limit, bulkhead, circuit breaker, metrics and
(optionally) retries. Business refusals do not trip the breaker; only retryable failures do."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hive.platform.config import Settings
from hive.suppliers.errors import SupplierError
from hive.suppliers.resilience.breaker import BreakerState, CircuitBreaker
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
    ):
        self._supplier_id = supplier_id
        self._label = supplier_name
        self._rates = rate_limits
        self._default_rate = rate_limits.get(DEFAULT_METHOD, settings.supplier_default_qps)
        self._limiter = limiter
        self._settings = settings
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}
        self._bulkheads: dict[str, Bulkhead] = {}
        self.retry_policy = RetryPolicy(
            attempts=settings.supplier_retry_attempts,
            base_delay_s=settings.supplier_retry_base_s,
            max_delay_s=settings.supplier_retry_max_s,
        )

    def breaker(self, method: str) -> CircuitBreaker:
        if method not in self._breakers:
            gauge = BREAKER_STATE.labels(self._label, method)
            gauge.set(BreakerState.CLOSED)
            self._breakers[method] = CircuitBreaker(
                name=f"{self._label}:{method}",
                failure_threshold=self._settings.supplier_breaker_failures,
                reset_after_s=self._settings.supplier_breaker_reset_s,
                clock=self._clock,
                on_change=lambda state: gauge.set(state),
            )
        return self._breakers[method]

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
        breaker.before_call()
        await self._limiter.acquire(f"{self._supplier_id}:{method}", self._rate(method))
        async with self._bulkhead(method).slot():
            SUPPLIER_CALLS.labels(self._label, method).inc()
            started = time.perf_counter()
            try:
                result = await send()
            except SupplierError as error:
                SUPPLIER_ERRORS.labels(self._label, method, error.code).inc()
                if error.retryable:
                    breaker.record_failure()
                else:
                    breaker.record_success()
                raise
            finally:
                SUPPLIER_LATENCY.labels(self._label, method).observe(time.perf_counter() - started)
        breaker.record_success()
        return result

    def _rate(self, method: str) -> float:
        return self._rates.get(method, self._default_rate)
