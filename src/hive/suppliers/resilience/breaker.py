"""A circuit breaker per supplier and method: after repeated failures, fail fast for a while,
then let one probe through (half-open) and close again only if it succeeds.

Every admitted call holds a :class:`Permit` until it gives a verdict (``record_success`` or
``record_failure``) or gives it back without one (``release``). A call that ends without a
verdict about the supplier — cancelled by our own caller, refused by our own bulkhead or rate
limiter, or failed by a bug of ours — must release its permit: if it was the half-open probe,
the next call becomes the probe instead of every call failing fast until a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from hive.suppliers.errors import CircuitOpen


class BreakerState(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


@dataclass(slots=True)
class Permit:
    """One admitted call. ``probe``: it is the single trial call of the half-open state."""

    probe: bool
    settled: bool = False


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
        self._probe: Permit | None = None

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._cool_down_over():
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def probe_in_flight(self) -> bool:
        return self._probe is not None

    def before_call(self) -> Permit:
        """A permit for one call, or :class:`CircuitOpen` if no call may go through now."""
        if self._state is BreakerState.CLOSED:
            return Permit(probe=False)
        if self._state is BreakerState.OPEN and not self._cool_down_over():
            raise CircuitOpen(details={"breaker": self.name})
        if self._probe is not None:
            raise CircuitOpen(details={"breaker": self.name, "probe": "in flight"})
        self._set(BreakerState.HALF_OPEN)
        self._probe = Permit(probe=True)
        return self._probe

    def record_success(self, permit: Permit) -> None:
        if not self._settle(permit):
            return
        if permit.probe or self._state is BreakerState.CLOSED:
            self._failures = 0
            self._set(BreakerState.CLOSED)
        # A call admitted before the breaker opened says nothing the probe will not say.

    def record_failure(self, permit: Permit) -> None:
        if not self._settle(permit):
            return
        if permit.probe:
            self._open()
        elif self._state is BreakerState.CLOSED:
            self._failures += 1
            if self._failures >= self._threshold:
                self._open()

    def release(self, permit: Permit) -> None:
        """Give the permit back without a verdict (no-op once the call gave one)."""
        self._settle(permit)

    def _settle(self, permit: Permit) -> bool:
        if permit.settled:
            return False
        permit.settled = True
        if permit is self._probe:
            self._probe = None
        return True

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._set(BreakerState.OPEN)

    def _cool_down_over(self) -> bool:
        return self._clock() - self._opened_at >= self._reset_after_s

    def _set(self, state: BreakerState) -> None:
        if state is not self._state:
            self._state = state
            if self._on_change is not None:
                self._on_change(state)
