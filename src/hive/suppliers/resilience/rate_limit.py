"""Client-side rate limits shared by every process: a token bucket per supplier and method.

By default the bucket lives in PostgreSQL (one atomic upsert per call); with ``HIVE_REDIS_URL``
it lives in Redis (one Lua script per call). Either way a caller that finds the bucket empty is
given a place in the queue and sleeps exactly until its turn, so a burst of callers is spread
evenly at the configured rate instead of being refused.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import redis.asyncio as redis_asyncio

from hive.platform.db import Database
from hive.suppliers import repository

# Tokens a bucket holds when idle: a small burst, so the long-run rate stays at the limit.
BURST_SECONDS = 1.0


class RateLimiter(Protocol):
    async def acquire(self, key: str, rate: float) -> None: ...


def _burst(rate: float) -> float:
    return max(1.0, rate * BURST_SECONDS)


class PostgresRateLimiter:
    def __init__(self, database: Database):
        self._database = database

    async def acquire(self, key: str, rate: float) -> None:
        async with self._database.platform_transaction() as session:
            left = await repository.take_rate_token(session, key, rate, _burst(rate))
        if left < 0:
            await asyncio.sleep(-left / rate)


# KEYS[1] bucket; ARGV: rate, burst. Returns tokens left (negative: debt to wait out).
_REDIS_TAKE = """
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now_s
tokens = math.min(burst, tokens + (now_s - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now_s))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(tokens)
"""


class RedisRateLimiter:
    def __init__(self, url: str, *, prefix: str = "hive:rate:"):
        self._client = redis_asyncio.from_url(url)
        self._script = self._client.register_script(_REDIS_TAKE)
        self._prefix = prefix

    async def acquire(self, key: str, rate: float) -> None:
        left = float(await self._script(keys=[self._prefix + key], args=[rate, _burst(rate)]))
        if left < 0:
            await asyncio.sleep(-left / rate)

    async def close(self) -> None:
        await self._client.aclose()
