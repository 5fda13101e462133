"""The shared VOP token: fetched once across real processes, and a refresh that outlives the
callers that gave up on it — or, cancelled itself at any await, holds nothing afterwards."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hive.platform.db import Database
from hive.suppliers import service
from hive.suppliers.types import SearchQuery
from hive.suppliers.vop.adapter import VopAdapter
from hive.suppliers.vop.token import Token
from tests.suppliers.vop.token_processes import burst_in_process
from tests.support.cancellation import (
    advisory_locks,
    cancel_at_every_suspension,
    cancelled_at_every_point,
    other_connections,
)
from tests.support.vop import SECRETS, AdapterKit, Simulator, register_vop

PROCESSES = 2
CALLS_PER_PROCESS = 10


def tokens_issued(simulator: Simulator) -> int:
    """Tokens the simulator's token endpoint has issued (its own record)."""
    with sqlite3.connect(simulator.config.state_path) as conn:
        return int(conn.execute("SELECT count(*) FROM tokens").fetchone()[0])


def database_url_of(kit: AdapterKit) -> str:
    return kit.settings.database_url


async def test_token_is_fetched_once_by_a_burst_from_several_processes(
    kit: AdapterKit, database: Database, simulator: Simulator, tmp_path: Path
) -> None:
    supplier = await register_vop(database, simulator)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(PROCESSES), context.Queue()
    children = [
        context.Process(
            target=burst_in_process,
            args=(
                database_url_of(kit),
                str(tmp_path / f"child-{n}"),
                supplier,
                CALLS_PER_PROCESS,
                start,
                results,
            ),
        )
        for n in range(PROCESSES)
    ]
    for child in children:
        child.start()
    try:
        outcomes = [await asyncio.to_thread(results.get, True, 180) for _ in children]
    finally:
        for child in children:
            child.join(timeout=30)
    assert [child.exitcode for child in children] == [0] * PROCESSES
    assert sorted(fetches for fetches, _ in outcomes) == [0] * (PROCESSES - 1) + [1]
    assert [answered for _, answered in outcomes] == [CALLS_PER_PROCESS] * PROCESSES
    assert tokens_issued(simulator) == 1  # the supplier's side agrees


async def test_a_caller_that_gives_up_during_a_refresh_leaves_the_token_for_the_next(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    tokens = adapter._tokens
    real_post = tokens._transport.post
    at_endpoint = asyncio.Event()

    async def post(path: str, fields: Any) -> Any:
        if path.startswith("oauth2/"):
            at_endpoint.set()
        return await real_post(path, fields)

    tokens._transport.post = post  # type: ignore[method-assign]
    caller = asyncio.create_task(tokens.access_token())  # a search under a console deadline
    await at_endpoint.wait()
    caller.cancel()  # the deadline passes while the token endpoint is answering
    await asyncio.gather(caller, return_exceptions=True)
    assert caller.cancelled()
    token = await tokens.access_token()  # the next caller
    assert tokens.fetches == 1  # the token the supplier issued was kept, not fetched again
    assert tokens_issued(simulator) == 1
    async with database.platform_transaction() as session:
        stored = await session.scalar(text("SELECT access_token_encrypted FROM supplier_tokens"))
    assert SECRETS.decrypt(stored) == token.encode()
    assert (await adapter.search(SearchQuery(keyword="手机"))).total > 0


async def test_a_refresh_cancelled_at_every_await_holds_no_lock_or_connection(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    """The refresh task itself cancelled (a shutdown) at each of its awaits: the advisory lock
    and the connection are released, and the next caller gets a working token."""
    async with database.platform_transaction() as session:
        supplier = await service.get_enabled_supplier(
            session, await register_vop(database, simulator)
        )
    current: list[VopAdapter] = []

    def operation() -> Coroutine[Any, Any, Token]:
        adapter = kit.factory().for_supplier(supplier)  # a fresh manager: no token in memory
        assert isinstance(adapter, VopAdapter)
        current[:] = [adapter]
        return adapter._tokens._refresh_token(stale=None)

    async def check(_k: int) -> None:
        assert await other_connections(database) == 0
        assert await advisory_locks(database) == 0
        assert (await current[0].search(SearchQuery(keyword="手机"))).total > 0
        async with database.platform_transaction() as session:
            await session.execute(text("DELETE FROM supplier_tokens"))  # next run fetches

    run = await cancel_at_every_suspension(operation, check)
    # At least one suspension each: connect, begin, lock, read, the HTTP exchange, save,
    # commit. More when a reply is not there yet: how many more depends on the machine's load.
    assert run.points >= 7
    assert cancelled_at_every_point(run)
