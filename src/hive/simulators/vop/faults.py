"""Faults on demand: latency, held answers (client timeouts), 5001 errors, QPS limits."""

from __future__ import annotations

import random
import time

from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.config import FaultSettings


class TokenBucket:
    """``rate`` calls per second with a burst of ``max(1, rate)``, on the monotonic clock."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class FaultInjector:
    def __init__(self, settings: FaultSettings, seed: int) -> None:
        self.rng = random.Random(seed)
        self.settings = settings
        self._buckets: dict[str, TokenBucket] = {}

    def update(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._buckets.clear()

    def refuse(self, method: str) -> None:
        """Raise the error a faulty upstream would answer instead of doing the call."""
        limit = self.settings.qps_limits.get(method, self.settings.qps_limits.get("*"))
        if limit is not None:
            bucket = self._buckets.get(method)
            if bucket is None:
                bucket = self._buckets[method] = TokenBucket(limit)
            if not bucket.take():
                raise VopError(Code.RATE_LIMITED, method)
        if self.settings.error_5001_rate and self.rng.random() < self.settings.error_5001_rate:
            raise VopError(Code.SERVICE_ERROR)

    def latency_s(self) -> float:
        mean = self.settings.latency_ms / 1000
        if mean <= 0:
            return 0.0
        if self.settings.latency_distribution == "uniform":
            return self.rng.uniform(0, 2 * mean)
        if self.settings.latency_distribution == "exponential":
            return self.rng.expovariate(1 / mean)
        return mean

    def hold_s(self) -> float:
        """How long to hold back this answer (0 unless a timeout fault fires)."""
        rate = self.settings.timeout_rate
        return self.settings.timeout_hold_s if rate and self.rng.random() < rate else 0.0
