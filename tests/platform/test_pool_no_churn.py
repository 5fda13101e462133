"""With the default settings a busy process keeps the connections it opens: bursts of more
units of work than it may hold at once never close a connection to open another (a new
backend each time, its caches and prepared statements cold)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, text

from hive.platform.config import Settings
from hive.platform.db import create_engine

BURSTS = 3
IN_FLIGHT = 32  # the Open API benchmark's client


async def test_bursts_above_the_pool_reuse_its_connections(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    engine = create_engine(database_url, settings)
    pool = engine.sync_engine.pool
    opened: list[int] = []
    closed: list[int] = []

    @event.listens_for(pool, "connect")
    def connected(*_: Any) -> None:
        opened.append(1)

    @event.listens_for(pool, "close")
    def closing(*_: Any) -> None:
        closed.append(1)

    async def unit_of_work() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(0.01)"))

    try:
        for _ in range(BURSTS):
            await asyncio.gather(*(unit_of_work() for _ in range(IN_FLIGHT)))
        assert closed == []
        assert 1 <= len(opened) <= settings.db_pool_size + settings.db_max_overflow
    finally:
        await engine.dispose()
