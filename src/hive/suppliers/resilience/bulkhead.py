"""A bulkhead per supplier method: caps calls in flight so one slow method cannot take every
connection and starve the others.

The wait for a slot uses ``asyncio.timeout`` rather than ``asyncio.wait_for``: on Python 3.11
``wait_for`` swallows a cancellation that arrives as the slot is granted (the cancelled caller
then runs its call anyway), and with a wait of 0 it refuses even a free slot. A caller cancelled
while it waits, or as its slot is granted, leaves the slot to the next waiter.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hive.suppliers.errors import BulkheadFull


class Bulkhead:
    def __init__(self, *, name: str, max_concurrent: int, max_wait_s: float):
        self.name = name
        self._slots = asyncio.Semaphore(max_concurrent)
        self._in_use = 0
        self._max_wait_s = max_wait_s

    @property
    def in_use(self) -> int:
        """Slots held right now (0 when idle: nothing leaks)."""
        return self._in_use

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self._max_wait_s):
                await self._slots.acquire()
        except TimeoutError:
            raise BulkheadFull(details={"bulkhead": self.name}) from None
        self._in_use += 1
        try:
            yield
        finally:
            self._in_use -= 1
            self._slots.release()
