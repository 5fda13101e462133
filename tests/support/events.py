"""Reading tenant events in tests.

A reader holds back every event newer than the oldest transaction still running on the server
(hive.events.repository) — with tests running in parallel, another test's transaction may hold
the horizon for a moment. Tests therefore wait, with a deadline, for the events they expect.
"""

from __future__ import annotations

import asyncio
import time

from hive.events.service import TenantEventRecord, read_events
from hive.platform.db import Database

DEADLINE_S = 30.0


async def events_of(
    database: Database, tenant_id: int, *, count: int, after: int = 0
) -> list[TenantEventRecord]:
    """The tenant's events after ``after`` once at least ``count`` are readable (or whatever is
    readable at the deadline, for the caller's assertion to show)."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        async with database.tenant_transaction(tenant_id) as session:
            found = await read_events(session, tenant_id, after=after)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)
