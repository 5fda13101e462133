"""A bulkhead per supplier method: caps calls in flight so one slow method cannot take every
connection and starve the others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hive.suppliers.errors import BulkheadFull


class Bulkhead:
    def __init__(self, *, name: str, max_concurrent: int, max_wait_s: float):
        self.name = name
        self._slots = asyncio.Semaphore(max_concurrent)
        self._max_wait_s = max_wait_s

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self._max_wait_s)
        except TimeoutError:
            raise BulkheadFull(details={"bulkhead": self.name}) from None
        try:
            yield
        finally:
            self._slots.release()
