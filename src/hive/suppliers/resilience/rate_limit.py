"""Client-side rate limits shared by every process: a token bucket per supplier and method.

By default the bucket lives in PostgreSQL (one atomic upsert per take); with ``HIVE_REDIS_URL``
it lives in Redis (one Lua script per take). Either way a caller that finds the bucket empty is
given a place in the queue and sleeps exactly until its turn, so a burst of callers is spread
evenly at the configured rate instead of being refused.

Callers of one process that ask for the same bucket while a take is on its way are served by
the next take together (one round trip for all of them, like a group commit): the k-th of n
gets the token the k-th of n separate takes would have got, so the rate is exactly the same,
but a busy process pays one round trip per group instead of one per call.

A caller cancelled while it waits (a caller's deadline, a shutdown) gives back what it holds:
cancelled before its group's take, it is left out of the take; cancelled after, its token is
refunded to the bucket with the next take of that key (capped at the burst, so refunds can
never let more than the configured burst through at once). A take task that is itself cancelled
fails every caller it was serving rather than leaving them waiting forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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
    """Acquire through ``_take(key, rate, count, refund)``, one take per group of waiting
    callers."""

    def __init__(self, *, sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self._waiting: dict[str, list[asyncio.Future[float]]] = {}
        self._servers: set[asyncio.Task[None]] = set()
        self._refunds: dict[str, int] = {}  # tokens taken for callers that gave up, per key
        self._sleep = sleep or asyncio.sleep

    async def _take(self, key: str, rate: float, count: int, refund: int) -> float:
        """Give ``refund`` tokens back to bucket ``key`` (up to its burst), then take ``count``;
        the tokens left (negative: debt)."""
        raise NotImplementedError

    def holds_nothing(self) -> bool:
        """No caller queued and no take on its way (refunds may wait for the next take)."""
        return not self._waiting and not self._servers

    async def acquire(self, key: str, rate: float) -> None:
        turn: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        waiting = self._waiting.get(key)
        if waiting is None:
            queue = self._waiting[key] = [turn]
            server = asyncio.create_task(self._serve(key, rate))
            self._servers.add(server)
            server.add_done_callback(self._servers.discard)
            server.add_done_callback(lambda _: self._fail_if_never_served(key, queue))
        else:
            waiting.append(turn)
        try:
            wait_s = await turn  # cancelled here: left out of the take, or refunded by _settle
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._refund(key, 1)  # served in the very turn of the loop it gave up
            raise
        if wait_s > 0:
            try:
                await self._sleep(wait_s)
            except asyncio.CancelledError:
                self._refund(key, 1)  # its turn is still to come: let the next caller have it
                raise

    async def _serve(self, key: str, rate: float) -> None:
        """Take tokens for everyone waiting on ``key``, group after group, until none is."""
        group: list[asyncio.Future[float]] = []
        try:
            await asyncio.sleep(0)  # the callers of this very moment join the first group
            while queued := self._waiting.get(key):
                self._waiting[key] = []
                group = [turn for turn in queued if not turn.done()]  # done: gave up already
                if group:
                    await self._serve_group(key, rate, group)
            group = []
        finally:
            for turn in group + self._waiting.pop(key, []):
                turn.cancel()  # only when this task itself was cancelled

    def _fail_if_never_served(self, key: str, queue: list[asyncio.Future[float]]) -> None:
        """A take task cancelled before its first step never ran its ``finally``: its callers
        would wait for ever, and every later caller of ``key`` would queue behind them. Fail
        them as that ``finally`` would. A task that started has replaced ``queue`` already."""
        if self._waiting.get(key) is queue:
            del self._waiting[key]
            for turn in queue:
                turn.cancel()

    async def _serve_group(self, key: str, rate: float, group: list[asyncio.Future[float]]) -> None:
        refund = self._refunds.pop(key, 0)
        try:
            left = await self._take(key, rate, len(group), refund)
        except Exception as error:
            self._refund(key, refund)  # not given back this time: keep for the next take
            _settle(group, error)
            return
        gave_up = _settle(group, _waits(left, len(group), rate))
        self._refund(key, gave_up)

    def _refund(self, key: str, tokens: int) -> None:
        if tokens:
            self._refunds[key] = self._refunds.get(key, 0) + tokens


def _waits(left: float, count: int, rate: float) -> list[float]:
    """Each caller's wait when ``count`` tokens were taken and ``left`` remain: the k-th gets
    the token the k-th of ``count`` separate takes would have got."""
    return [max(0.0, -(left + count - 1 - k)) / rate for k in range(count)]


def _settle(group: list[asyncio.Future[float]], outcome: list[float] | Exception) -> int:
    """Hand each caller its outcome; the number of callers that had given up meanwhile."""
    gave_up = 0
    for k, turn in enumerate(group):
        if turn.done():  # the caller was cancelled during the take
            gave_up += 1
        elif isinstance(outcome, Exception):
            turn.set_exception(outcome)
        else:
            turn.set_result(outcome[k])
    return gave_up


class PostgresRateLimiter(GroupedTakes):
    def __init__(self, database: Database):
        super().__init__()
        self._database = database

    async def _take(self, key: str, rate: float, count: int, refund: int) -> float:
        async with self._database.platform_transaction() as session:
            return await repository.take_rate_tokens(
                session, key, rate, _burst(rate), count, refund=refund
            )


# KEYS[1] bucket; ARGV: rate, burst, count, refund. Returns tokens left (negative: debt).
_REDIS_TAKE = """
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local refund = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now_s
tokens = math.min(burst, math.min(burst, tokens + (now_s - at) * rate) + refund) - count
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

    async def _take(self, key: str, rate: float, count: int, refund: int) -> float:
        args = [rate, _burst(rate), count, refund]
        return float(await self._script(keys=[self._prefix + key], args=args))

    async def close(self) -> None:
        await self._client.aclose()
