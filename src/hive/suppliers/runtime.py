"""What a process needs to talk to suppliers: one HTTP client, the shared rate limiter (Redis
when configured, else PostgreSQL) and the adapter factory over them.

The client is httpx's, as everywhere, over aiohttp's connection pool and C-accelerated HTTP
parser (``httpx-aiohttp``): measured against the simulator, a 100-SKU price call costs about a
third less CPU than through httpx's own transport, and supplier calls are the largest share of
the worker's CPU on the change-feed path (docs/pool-freshness.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from httpx_aiohttp import HttpxAiohttpClient

from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.secret_key import load_secret_box
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter, RateLimiter, RedisRateLimiter

HTTP_CONNECTIONS = 100


@asynccontextmanager
async def supplier_runtime(database: Database, settings: Settings) -> AsyncIterator[AdapterFactory]:
    redis_limiter = RedisRateLimiter(settings.redis_url) if settings.redis_url else None
    limiter: RateLimiter = redis_limiter or PostgresRateLimiter(database)
    try:
        async with supplier_http_client() as http:
            yield AdapterFactory(
                database=database,
                settings=settings,
                secrets=load_secret_box(settings),
                http=http,
                limiter=limiter,
            )
    finally:
        if redis_limiter is not None:
            await redis_limiter.close()


def supplier_http_client(max_connections: int = HTTP_CONNECTIONS) -> httpx.AsyncClient:
    """The HTTP client for supplier calls (use it as an async context manager)."""
    return HttpxAiohttpClient(limits=httpx.Limits(max_connections=max_connections))


@asynccontextmanager
async def app_adapters(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """The application's supplier adapters (``app.state.adapters``) for its lifetime."""
    async with supplier_runtime(app.state.database, settings) as adapters:
        app.state.adapters = adapters
        yield
