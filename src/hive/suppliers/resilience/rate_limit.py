"""Client-side rate limits shared by every process: a token bucket per supplier and method.

By default the bucket lives in PostgreSQL (one atomic upsert per take); with ``HIVE_REDIS_URL``
it lives in Redis (one Lua script per take). Either way a caller that finds the bucket empty is
given a place in the queue and sleeps exactly until its turn, so a burst of callers is spread
evenly at the configured rate instead of being refused.

Callers of one process that ask for the same bucket while a take is on its way are served by
the next take together (one round trip for all of them, like a group commit): the k-th of n
gets the token the k-th of n separate takes would have got, so the rate is exactly the same,
but a busy process pays one round trip per group instead of one per call.
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


class GroupedTakes:
    """Acquire through ``_take(key, rate, count)``, one take per group of waiting callers."""

    def __init__(self) -> None:
        self._waiting: dict[str, list[asyncio.Future[float]]] = {}
        self._servers: set[asyncio.Task[None]] = set()

    async def _take(self, key: str, rate: float, count: int) -> float:
        """Take ``count`` tokens from bucket ``key``; the tokens left (negative: debt)."""
        raise NotImplementedError

    async def acquire(self, key: str, rate: float) -> None:
        turn: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        waiting = self._waiting.get(key)
        if waiting is None:
            self._waiting[key] = [turn]
            server = asyncio.create_task(self._serve(key, rate))
            self._servers.add(server)
            server.add_done_callback(self._servers.discard)
        else:
            waiting.append(turn)
        wait_s = await turn
        if wait_s > 0:
            await asyncio.sleep(wait_s)

    async def _serve(self, key: str, rate: float) -> None:
        """Take tokens for everyone waiting on ``key``, group after group, until none is."""
        try:
            await asyncio.sleep(0)  # the callers of this very moment join the first group
            while group := self._waiting.get(key):
                self._waiting[key] = []
                try:
                    left = await self._take(key, rate, len(group))
                except Exception as error:
                    _settle(group, error)
                    continue
                _settle(group, _waits(left, len(group), rate))
        finally:
            for turn in self._waiting.pop(key, []):
                turn.cancel()  # only when this task itself was cancelled


def _waits(left: float, count: int, rate: float) -> list[float]:
    """Each caller's wait when ``count`` tokens were taken and ``left`` remain: the k-th gets
    the token the k-th of ``count`` separate takes would have got."""
    return [max(0.0, -(left + count - 1 - k)) / rate for k in range(count)]


def _settle(group: list[asyncio.Future[float]], outcome: list[float] | Exception) -> None:
    for k, turn in enumerate(group):
        if turn.done():  # the caller was cancelled meanwhile
            continue
        if isinstance(outcome, Exception):
            turn.set_exception(outcome)
        else:
            turn.set_result(outcome[k])


class PostgresRateLimiter(GroupedTakes):
    def __init__(self, database: Database):
        super().__init__()
        self._database = database

    async def _take(self, key: str, rate: float, count: int) -> float:
        async with self._database.platform_transaction() as session:
            return await repository.take_rate_tokens(session, key, rate, _burst(rate), count)


# KEYS[1] bucket; ARGV: rate, burst, count. Returns tokens left (negative: debt to wait out).
_REDIS_TAKE = """
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now_s
tokens = math.min(burst, tokens + (now_s - at) * rate) - count
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now_s))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(tokens)
"""


class RedisRateLimiter(GroupedTakes):
    def __init__(self, url: str, *, prefix: str = "hive:rate:"):
        super().__init__()
        self._client = redis_asyncio.from_url(url)
        self._script = self._client.register_script(_REDIS_TAKE)
        self._prefix = prefix

    async def _take(self, key: str, rate: float, count: int) -> float:
        args = [rate, _burst(rate), count]
        return float(await self._script(keys=[self._prefix + key], args=args))

    async def close(self) -> None:
        await self._client.aclose()
