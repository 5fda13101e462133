"""Whether Hive can reach a supplier and is let in, in words an operator can act on.

``check_access`` asks the supplier (for VOP: a valid access token, from the shared token row
when one is fresh, so a healthy supplier costs no call). ``StateLog`` logs a supplier's access
state once per change — "credentials refused" once, then "recovered" once — instead of a
traceback on every poll, within one process. ``record_outcome`` does the same for work every
worker process shares (the pool refresh, the calibration): the state is a row per supplier and
activity, changed only when the outcome's code changes, so the change is logged once across
the fleet and the suppliers page shows it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.logging import get_logger
from hive.suppliers import repository
from hive.suppliers.errors import SupplierError
from hive.suppliers.models import SupplierAccessState
from hive.suppliers.protocol import SupplierAdapter

log = get_logger("hive.suppliers.health")

OK = "ok"
TIMEOUT = "supplier_timeout"
# Activities whose outcome record_outcome keeps per supplier.
REFRESH = "refresh"
CALIBRATION = "calibration"


@runtime_checkable
class SignsIn(Protocol):
    """An adapter that must be let in before it can call (VOP's access token)."""

    async def sign_in(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AccessStatus:
    """``code`` is ``ok`` or the error code that stops calls (such as
    ``supplier_credentials_refused``); ``message`` is the reason, with the supplier's words."""

    code: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.code == OK

    @staticmethod
    def of(error: SupplierError) -> AccessStatus:
        return AccessStatus(error.code, error.message)


async def check_access(adapter: SupplierAdapter, *, timeout_s: float) -> AccessStatus:
    """Sign in (when the adapter needs to) within ``timeout_s``; never raises a supplier error."""
    if not isinstance(adapter, SignsIn):
        return AccessStatus(OK)
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the sign-in completes (see suppliers/resilience/bulkhead.py).
        async with asyncio.timeout(timeout_s):
            await adapter.sign_in()
    except TimeoutError:
        return AccessStatus(
            TIMEOUT, f"供应商在 {timeout_s:g} 秒内未响应 / No answer in {timeout_s:g} s"
        )
    except SupplierError as error:
        return AccessStatus.of(error)
    return AccessStatus(OK)


class StateLog:
    """Remembers each supplier's last access state and logs only its changes."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._last: dict[int, AccessStatus] = {}

    def record(self, supplier_id: int, status: AccessStatus) -> bool:
        """Log ``status`` if it differs from the last one; True when it was logged."""
        previous = self._last.get(supplier_id, AccessStatus(OK))
        self._last[supplier_id] = status
        if status.code == previous.code:
            return False
        _log_change(self._what, supplier_id, status, was=previous.code)
        return True

    def last(self, supplier_id: int) -> AccessStatus:
        return self._last.get(supplier_id, AccessStatus(OK))


async def record_outcome(
    session: AsyncSession, supplier_id: int, activity: str, status: AccessStatus
) -> bool:
    """Store how ``activity`` (``refresh``, ``calibration``) with the supplier last went and log
    it when that changed: a warning when it starts failing (with the code and the supplier's
    reason), info when it recovers; nothing while it stays as it was. True when it changed.
    A supplier with no state yet counts as ``ok``."""
    changed = await repository.record_access_state(
        session, supplier_id, activity, status.code, status.message
    )
    if changed is None or (changed and status.ok):
        return False
    _log_change(f"supplier {activity}", supplier_id, status)
    return True


def _log_change(what: str, supplier_id: int, status: AccessStatus, **recovered: str) -> None:
    """ "<what> failing" (warning, with the code and reason) or "<what> recovered" (info)."""
    if status.ok:
        log.info(f"{what} recovered", supplier_id=supplier_id, **recovered)
    else:
        log.warning(
            f"{what} failing", supplier_id=supplier_id, code=status.code, reason=status.message
        )


async def recorded_states(session: AsyncSession) -> dict[int, list[SupplierAccessState]]:
    """Each supplier's recorded states that are not ``ok`` (for the suppliers page)."""
    states: dict[int, list[SupplierAccessState]] = {}
    for state in await repository.access_states(session):
        if state.code != OK:
            states.setdefault(state.supplier_id, []).append(state)
    return states


@dataclass(frozen=True, slots=True)
class BreakerView:
    """A supplier method's circuit breaker as last reported by any process. ``state`` is the
    state in effect: an ``open`` breaker whose cool-down is over is ``half_open`` (the next
    call is the probe)."""

    supplier_id: int
    method: str
    state: str
    changed_at: datetime
    last_failure_at: datetime | None
    last_failure_code: str
    last_failure_message: str


async def breaker_states(
    session: AsyncSession, *, now: datetime, reset_after_s: float
) -> list[BreakerView]:
    """Every recorded breaker (supplier, method), open ones first."""
    views = []
    for row in await repository.breaker_states(session):
        state = row.state
        if state == "open" and (now - row.changed_at).total_seconds() >= reset_after_s:
            state = "half_open"
        views.append(
            BreakerView(
                row.supplier_id,
                row.method,
                state,
                row.changed_at,
                row.last_failure_at,
                row.last_failure_code,
                row.last_failure_message,
            )
        )
    order = {"open": 0, "half_open": 1, "closed": 2}
    return sorted(views, key=lambda v: (order.get(v.state, 3), v.supplier_id, v.method))
