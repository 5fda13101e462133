"""Admitting a signed request: the replay guard (its nonce is new for the app) and the rate
limit (a token from the app's bucket for the route group), together.

With PostgreSQL both are one statement in one short platform transaction, sent with its
begin, role and commit as one pipeline — on the route's own connection, ahead of the route's
transaction and in the same round trip as its BEGIN, when the route opens one right after
its caller (:class:`PendingAdmission`); else on a connection of its own. The admission commits
before the route's transaction begins (a refused or failing route keeps its nonce and token);
its commit does not wait for the WAL flush (``synchronous_commit = off``): a crash can
forget the bookkeeping of the last moment before it — nonces of requests a few milliseconds
old, tokens taken — the same durability as Redis with its default persistence. With
``HIVE_REDIS_URL`` both live in Redis (``SET NX`` with an expiry, and one Lua script), shared
by every gateway process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
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


@dataclass(frozen=True, slots=True)
class Ticket:
    """What one request asks to be admitted with: its app's nonce (remembered until
    ``until_epoch_s``) and a token from the bucket ``key``."""

    app: AppCredentials
    nonce: str
    until_epoch_s: int
    key: str
    limit: Limit


class PendingAdmission:
    """A PostgreSQL admission queued on a connection's pipeline (the route's own, before its
    transaction's BEGIN: one round trip for both); its answer once the pipeline is sent."""

    def __init__(self, ticket: Ticket):
        self._ticket = ticket
        self._cursor: psycopg.AsyncCursor[Any] | None = None

    async def queue(self, connection: psycopg.AsyncConnection[Any]) -> None:
        ticket = self._ticket
        self._cursor = await gateway_repository.queue_admit(
            connection,
            app_id=ticket.app.app_id,
            tenant_id=ticket.app.tenant_id,
            nonce=ticket.nonce,
            until=datetime.fromtimestamp(ticket.until_epoch_s, UTC),
            key=ticket.key,
            rate_per_s=ticket.limit.rate_per_s,
            burst=ticket.limit.burst,
        )

    async def result(self) -> Admission:
        if self._cursor is None:
            raise RuntimeError("the admission was never sent")
        new, tokens, taken = await gateway_repository.admitted(self._cursor)
        return Admission(new, outcome_of(self._ticket.limit, tokens, taken))


class Admitter(Protocol):
    async def admit(self, ticket: Ticket) -> Admission:
        """Admit now, on a connection of its own."""

    def pending(self, ticket: Ticket) -> PendingAdmission | None:
        """The admission to send with the route's transaction, or None when it cannot go
        there (Redis): then call :meth:`admit`."""


class PostgresAdmitter:
    def __init__(self, database: Database):
        self._database = database

    async def admit(self, ticket: Ticket) -> Admission:
        pending = PendingAdmission(ticket)
        async with self._database.engine.connect() as connection:
            # Autocommit: the admission sends its own BEGIN (no round trip for the driver's).
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None  # a checked-out connection has its driver's
            async with raw.pipeline():
                await pending.queue(raw)
        return await pending.result()

    def pending(self, ticket: Ticket) -> PendingAdmission | None:
        return PendingAdmission(ticket)


class RedisAdmitter:
    def __init__(self, client: redis_asyncio.Redis):
        self._nonces = RedisNonces(client)
        self._limiter = RedisRateLimiter(client)

    async def admit(self, ticket: Ticket) -> Admission:
        new = await self._nonces.remember(ticket.app, ticket.nonce, ticket.until_epoch_s)
        return Admission(new, await self._limiter.take(ticket.key, ticket.limit))

    def pending(self, ticket: Ticket) -> PendingAdmission | None:
        return None


def admitter(database: Database, client: redis_asyncio.Redis | None) -> Admitter:
    """Redis when the gateway has a client (``HIVE_REDIS_URL``), else PostgreSQL."""
    return PostgresAdmitter(database) if client is None else RedisAdmitter(client)
