"""Retrying retryable supplier failures with full-jitter exponential backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from hive.suppliers.errors import SupplierError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int
    base_delay_s: float
    max_delay_s: float

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2**attempt))
        return random.uniform(0, ceiling)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[SupplierError, int], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call``; retry only failures whose class says ``retryable``."""
    for attempt in range(policy.attempts):
        try:
            return await call()
        except SupplierError as error:
            if not error.retryable or attempt + 1 >= policy.attempts:
                raise
            if on_retry is not None:
                on_retry(error, attempt + 1)
            await sleep(policy.delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
