"""The child side of the token test that runs in real processes (``multiprocessing`` spawn):
each child builds its own adapter (own engine, HTTP client and token manager) on the shared
database, waits until every child is ready (a barrier), then fires a burst of calls."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter
from hive.suppliers.runtime import supplier_http_client
from hive.suppliers.types import SearchQuery
from hive.suppliers.vop.adapter import VopAdapter
from tests.support.vop import SECRET_KEY, SECRETS


def burst_in_process(
    database_url: str, data_dir: str, supplier_id: int, calls: int, start: Any, results: Any
) -> None:
    """Process entry point: put (token endpoint calls made, searches answered) on ``results``."""
    results.put(asyncio.run(_burst(database_url, Path(data_dir), supplier_id, calls, start)))


async def _burst(
    database_url: str, data_dir: Path, supplier_id: int, calls: int, start: Any
) -> tuple[int, int]:
    settings = Settings(
        database_url=database_url, data_dir=data_dir, secret_key=SecretStr(SECRET_KEY)
    )
    database = Database(create_engine(database_url, settings, pooled=False))
    try:
        async with supplier_http_client() as http:
            factory = AdapterFactory(
                database=database,
                settings=settings,
                secrets=SECRETS,
                http=http,
                limiter=PostgresRateLimiter(database),
            )
            adapter = await factory.for_supplier_id(supplier_id)
            assert isinstance(adapter, VopAdapter)
            await asyncio.to_thread(start.wait, 120)  # every process starts its burst at once
            query = SearchQuery(keyword="手机")
            answers = await asyncio.gather(*(adapter.search(query) for _ in range(calls)))
            return adapter._tokens.fetches, sum(1 for a in answers if a.total > 0)
    finally:
        await database.dispose()
