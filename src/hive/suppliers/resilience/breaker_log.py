"""Breaker transitions written to ``supplier_breaker_states`` so the admin dashboard can show
them (breakers themselves live in each process's memory).

A breaker changes state inside a supplier call, synchronously; the write must neither slow nor
fail that call. :meth:`BreakerLog.changed` therefore schedules the write as a task on the
running loop and returns at once; a failed write is logged and dropped (the next transition
writes again). Writes carry the moment of the transition and only replace an older one, so
two quick transitions written out of order still leave the later state.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hive.platform.db import Database
from hive.platform.logging import get_logger
from hive.suppliers import repository
from hive.suppliers.errors import SupplierError
from hive.suppliers.resilience.breaker import BreakerState

log = get_logger("hive.suppliers.breaker")

STATE_NAMES = {
    BreakerState.CLOSED: "closed",
    BreakerState.HALF_OPEN: "half_open",
    BreakerState.OPEN: "open",
}


class BreakerLog:
    """Records each breaker transition of this process in the database, in the background."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: set[asyncio.Task[None]] = set()

    def changed(
        self, supplier_id: int, method: str, state: BreakerState, failure: SupplierError | None
    ) -> None:
        """Schedule the write of a transition to ``state``; ``failure`` is the error that
        opened the breaker (kept as its last failure). Never raises."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        opened = failure if state is BreakerState.OPEN else None
        task = loop.create_task(self._write(supplier_id, method, state, opened, datetime.now(UTC)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for the writes scheduled so far (tests, shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _write(
        self,
        supplier_id: int,
        method: str,
        state: BreakerState,
        failure: SupplierError | None,
        at: datetime,
    ) -> None:
        try:
            async with self._database.platform_transaction() as session:
                await repository.record_breaker_state(
                    session,
                    supplier_id,
                    method[:128],
                    STATE_NAMES[state],
                    at,
                    failure_code=failure.code if failure else None,
                    failure_message=failure.message[:1000] if failure else None,
                )
        except Exception as exc:  # the breaker works without its record
            log.warning(
                "breaker state not recorded", supplier_id=supplier_id, method=method, error=str(exc)
            )
