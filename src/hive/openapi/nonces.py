"""The replay guard in Redis: a nonce is accepted once per app while its request's timestamp is
inside the window (``SET NX`` with an expiry at the window's end). The PostgreSQL path is one
statement with the rate limit (``hive.openapi.admission``)."""

from __future__ import annotations

from typing import Protocol

import redis.asyncio as redis_asyncio

from hive.openapi.service import AppCredentials


class NonceStore(Protocol):
    async def remember(self, app: AppCredentials, nonce: str, until_epoch_s: int) -> bool:
        """Record ``nonce`` for ``app`` until ``until_epoch_s``; False when it is already
        remembered (a replay)."""
        ...


class RedisNonces:
    def __init__(self, client: redis_asyncio.Redis, *, prefix: str = "hive:nonce:"):
        self._client = client
        self._prefix = prefix

    async def remember(self, app: AppCredentials, nonce: str, until_epoch_s: int) -> bool:
        key = f"{self._prefix}{app.app_key}:{nonce}"
        return bool(await self._client.set(key, b"1", nx=True, exat=max(until_epoch_s, 1)))
