"""Admitting a signed request: the replay guard (its nonce is new for the app) and the rate
limit (a token from the app's bucket for the route group), together.

With PostgreSQL both are one statement in one short platform transaction, sent with its
begin, role and commit as one pipeline (one round trip), whose commit does not wait for the
WAL flush (``synchronous_commit = off``): a crash can forget the bookkeeping of the last
moment before it — nonces of requests a few milliseconds old, tokens taken — the same
durability as Redis with its default persistence. With ``HIVE_REDIS_URL`` both live in Redis
(``SET NX`` with an expiry, and one Lua script), shared by every gateway process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import redis.asyncio as redis_asyncio

from hive.openapi import gateway_repository
from hive.openapi.nonces import RedisNonces
from hive.openapi.rate_limit import Limit, Outcome, RedisRateLimiter, outcome_of
from hive.openapi.service import AppCredentials
from hive.platform.db import Database


@dataclass(frozen=True, slots=True)
class Admission:
    nonce_is_new: bool
    rate: Outcome


class Admitter(Protocol):
    async def admit(
        self, app: AppCredentials, nonce: str, until_epoch_s: int, key: str, limit: Limit
    ) -> Admission: ...


class PostgresAdmitter:
    def __init__(self, database: Database):
        self._database = database

    async def admit(
        self, app: AppCredentials, nonce: str, until_epoch_s: int, key: str, limit: Limit
    ) -> Admission:
        async with self._database.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None  # a checked-out connection has its driver's
            new, tokens, taken = await gateway_repository.admit(
                raw,
                app_id=app.app_id,
                tenant_id=app.tenant_id,
                nonce=nonce,
                until=datetime.fromtimestamp(until_epoch_s, UTC),
                key=key,
                rate_per_s=limit.rate_per_s,
                burst=limit.burst,
            )
        return Admission(new, outcome_of(limit, tokens, taken))


class RedisAdmitter:
    def __init__(self, client: redis_asyncio.Redis):
        self._nonces = RedisNonces(client)
        self._limiter = RedisRateLimiter(client)

    async def admit(
        self, app: AppCredentials, nonce: str, until_epoch_s: int, key: str, limit: Limit
    ) -> Admission:
        new = await self._nonces.remember(app, nonce, until_epoch_s)
        return Admission(new, await self._limiter.take(key, limit))


def admitter(database: Database, client: redis_asyncio.Redis | None) -> Admitter:
    """Redis when the gateway has a client (``HIVE_REDIS_URL``), else PostgreSQL."""
    return PostgresAdmitter(database) if client is None else RedisAdmitter(client)
