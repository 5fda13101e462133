"""Readiness checks: the database always; Redis and RabbitMQ when they are configured."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aio_pika
import redis.asyncio as redis_asyncio

from hive.platform.config import Settings
from hive.platform.db import Database

CHECK_TIMEOUT_S = 3.0

Check = Callable[[], Awaitable[None]]


async def check_redis(url: str) -> None:
    client = redis_asyncio.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def check_amqp(url: str) -> None:
    connection = await aio_pika.connect(url, timeout=CHECK_TIMEOUT_S)
    await connection.close()


def readiness_checks(settings: Settings, database: Database) -> dict[str, Check]:
    checks: dict[str, Check] = {"database": database.ping}
    if settings.redis_url:
        checks["redis"] = lambda: check_redis(settings.redis_url)
    if settings.amqp_url:
        checks["amqp"] = lambda: check_amqp(settings.amqp_url)
    return checks


async def run_checks(checks: dict[str, Check]) -> dict[str, str]:
    """Run every check concurrently; each answers ``"ok"`` or a short reason."""

    async def one(check: Check) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):  # not wait_for: it can eat a cancel
                await check()
        except Exception as exc:  # any failure means "not ready"; the reason is reported
            return f"error: {type(exc).__name__}"
        return "ok"

    results = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))
