"""The replay guard: a nonce is accepted once per app while its request's timestamp is inside
the window. Kept in PostgreSQL by default; in Redis (``SET NX`` with an expiry) when
``HIVE_REDIS_URL`` is set, so every gateway process shares one memory of nonces."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

import redis.asyncio as redis_asyncio

from hive.openapi import gateway_repository
from hive.openapi.service import AppCredentials
from hive.platform.db import Database


class NonceStore(Protocol):
    async def remember(self, app: AppCredentials, nonce: str, until_epoch_s: int) -> bool:
        """Record ``nonce`` for ``app`` until ``until_epoch_s``; False when it is already
        remembered (a replay)."""
        ...


class PostgresNonces:
    def __init__(self, database: Database):
        self._database = database

    async def remember(self, app: AppCredentials, nonce: str, until_epoch_s: int) -> bool:
        until = datetime.fromtimestamp(until_epoch_s, UTC)
        async with self._database.platform_transaction() as session:
            return await gateway_repository.remember_nonce(
                session, app.app_id, app.tenant_id, nonce, until
            )


class RedisNonces:
    def __init__(self, client: redis_asyncio.Redis, *, prefix: str = "hive:nonce:"):
        self._client = client
        self._prefix = prefix

    async def remember(self, app: AppCredentials, nonce: str, until_epoch_s: int) -> bool:
        key = f"{self._prefix}{app.app_key}:{nonce}"
        return bool(await self._client.set(key, b"1", nx=True, exat=max(until_epoch_s, 1)))


def nonce_store(database: Database, client: redis_asyncio.Redis | None) -> NonceStore:
    """Redis when the gateway has a client (``HIVE_REDIS_URL``), else PostgreSQL."""
    return PostgresNonces(database) if client is None else RedisNonces(client)
