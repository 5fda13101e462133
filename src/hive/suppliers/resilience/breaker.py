"""A circuit breaker per supplier and method: after repeated failures, fail fast for a while,
then let one probe through (half-open) and close again only if it succeeds."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum

from hive.suppliers.errors import CircuitOpen


class BreakerState(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        *,
        name: str,
        failure_threshold: int,
        reset_after_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ):
        self.name = name
        self._threshold = failure_threshold
        self._reset_after_s = reset_after_s
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._cool_down_over():
            return BreakerState.HALF_OPEN
        return self._state

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go through now."""
        if self._state is BreakerState.CLOSED:
            return
        if self._state is BreakerState.OPEN and not self._cool_down_over():
            raise CircuitOpen(details={"breaker": self.name})
        if self._probe_in_flight:
            raise CircuitOpen(details={"breaker": self.name, "probe": "in flight"})
        self._set(BreakerState.HALF_OPEN)
        self._probe_in_flight = True

    def record_success(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        self._set(BreakerState.CLOSED)

    def record_failure(self) -> None:
        self._probe_in_flight = False
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._set(BreakerState.OPEN)

    def _cool_down_over(self) -> bool:
        return self._clock() - self._opened_at >= self._reset_after_s

    def _set(self, state: BreakerState) -> None:
        if state is not self._state:
            self._state = state
            if self._on_change is not None:
                self._on_change(state)
