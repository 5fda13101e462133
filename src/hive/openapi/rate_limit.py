"""The gateway's rate limits: a token bucket per app and route group, refusing (429) when empty.

A bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; each request takes one.
The limit of an app is its own override when set, else its tenant's grade's
(``open_grade_rate_limits``), else the settings' default. State lives in PostgreSQL (one
atomic upsert per request on ``open_rate_buckets``) or, when ``HIVE_REDIS_URL`` is set, in
Redis (one Lua script per request), so every gateway process shares one bucket per key.

The supplier limiter (``hive.suppliers.resilience.rate_limit``) keeps the same bucket
arithmetic but is the other side of the wire: it paces our own calls, so an empty bucket there
queues the caller (the bucket goes into debt and the caller sleeps its turn). Here a client
that finds the bucket empty is refused and told when to come back, and the bucket never goes
into debt (a refused request takes nothing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis_asyncio


@dataclass(frozen=True, slots=True)
class Limit:
    rate_per_s: float
    burst: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """One take: whether it got a token, the whole tokens left, and in whole seconds how long
    until the next token (``retry_after_s``, 0 when allowed) and until the bucket is full."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int
    reset_s: int


def outcome_of(limit: Limit, tokens_left: float, allowed: bool) -> Outcome:
    """The headers' numbers from the bucket's tokens after the take."""
    missing = max(0.0, limit.burst - tokens_left)
    retry = 0 if allowed else max(1, math.ceil((1.0 - tokens_left) / limit.rate_per_s))
    return Outcome(
        allowed=allowed,
        limit=limit.burst,
        remaining=max(0, math.floor(tokens_left)),
        retry_after_s=retry,
        reset_s=math.ceil(missing / limit.rate_per_s),
    )


class RateLimiter(Protocol):
    async def take(self, key: str, limit: Limit) -> Outcome: ...


# KEYS[1] bucket; ARGV: rate, burst. Returns {taken 0/1, tokens left as a string}.
_REDIS_TAKE = """
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now_s
tokens = math.min(burst, tokens + math.max(0, now_s - at) * rate)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now_s))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return {taken, tostring(tokens)}
"""


class RedisRateLimiter:
    def __init__(self, client: redis_asyncio.Redis, *, prefix: str = "hive:open-rate:"):
        self._script = client.register_script(_REDIS_TAKE)
        self._prefix = prefix

    async def take(self, key: str, limit: Limit) -> Outcome:
        taken, tokens = await self._script(
            keys=[self._prefix + key], args=[limit.rate_per_s, limit.burst]
        )
        return outcome_of(limit, float(tokens), bool(int(taken)))
