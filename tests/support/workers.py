"""Real ``hive worker`` processes for tests that kill one mid-job, a simulator that can hold one
request until the test lets it go, and polling with a deadline.

::

    gate = RequestGate(create_app(config), lambda path, body: ...)
    with running_server(gate) as url, worker(settings, tmp_path / "w1", log) as first:
        await poll("the request to be held", lambda: is_set(gate.holding))
        first.send_signal(signal.SIGKILL)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.vop import SECRET_KEY

# How long a poll waits at most: generous for a loaded machine (load 15-22 on 2 cores); a
# poll ends as soon as its condition holds, so a quiet machine does not wait for it.
DEADLINE_S = 240.0
# The dead worker is called stalled this many seconds after its last heartbeat.
STALLED_AFTER_S = 3


class RequestGate:
    """An ASGI app in front of another (the simulator's): the first request for which
    ``held(path, body)`` is true waits, before the app sees it, until :attr:`opened` is set;
    :attr:`holding` is set once it waits. Every other request passes straight through.
    :attr:`seen` lists every request as it arrived: ``(path, body & query string)``."""

    def __init__(self, app: Any, held: Callable[[str, bytes], bool]) -> None:
        self.app = app
        self.held = held
        self.holding = threading.Event()
        self.opened = threading.Event()
        self.seen: list[tuple[str, bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages = [await receive()]
        while messages[-1].get("more_body"):
            messages.append(await receive())
        body = b"".join(m.get("body", b"") for m in messages) + b"&" + scope["query_string"]
        self.seen.append((scope["path"], body))
        if not self.holding.is_set() and self.held(scope["path"], body):
            self.holding.set()
            await asyncio.to_thread(self.opened.wait)
        replay = iter(messages)

        async def replayed() -> Any:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)


async def poll(
    what: str, check: Callable[[], Awaitable[Any]], *, deadline_s: float = DEADLINE_S
) -> Any:
    """Wait until ``check()`` answers something true (and answer it); fail after the deadline."""
    deadline = asyncio.get_running_loop().time() + deadline_s
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def is_set(event: threading.Event) -> bool:
    return event.is_set()


async def scalar(database: Database, statement: str, **params: Any) -> Any:
    async with database.platform_transaction() as session:
        return await session.scalar(text(statement), params)


async def rows(database: Database, statement: str, **params: Any) -> list[Any]:
    async with database.platform_transaction() as session:
        return list((await session.execute(text(statement), params)).all())


async def progress_of(database: Database, progress_id: int) -> tuple[str, int, int | None, str]:
    """A long action's progress row and its job: (state, done, planned, job status)."""
    found = await rows(
        database,
        "SELECT p.status, p.done, p.planned, j.status::text "
        "FROM job_progress p JOIN procrastinate_jobs j ON j.id = p.job_id WHERE p.id = :p",
        p=progress_id,
    )
    return found[0]  # type: ignore[no-any-return]


async def dead_workers_stalled(database: Database) -> bool:
    """Whether every worker's last heartbeat is old enough for a new worker to call it dead."""
    return bool(
        await scalar(
            database,
            "SELECT bool_and(last_heartbeat < now() - make_interval(secs => :s)) "
            "FROM procrastinate_workers",
            s=STALLED_AFTER_S + 1,
        )
    )


@contextmanager
def worker(
    settings: Settings, data_dir: Path, log: Path, *, metrics_port: int = 0
) -> Iterator[subprocess.Popen[bytes]]:
    """A ``hive worker`` process on the test's database (heartbeat every second, a silent
    worker stalled after :data:`STALLED_AFTER_S`; ``/metrics`` on ``metrics_port``, none by
    default), stopped with SIGTERM when the block ends.

    It defers the periodic jobs only if ``settings.worker_periodic`` (the test settings: no).
    Which of them are due depends on the time of day: a worker started at 18:30-18:40 UTC ran
    the nightly calibration and the refresh in the test's database, and broke the
    killed-worker tests' counts."""
    env = {
        **os.environ,
        # A held request must outlast the wait for the kill, not time out into a job retry.
        "HIVE_SUPPLIER_TIMEOUT_S": "120",
        "HIVE_DATABASE_URL": settings.database_url,
        "HIVE_DATA_DIR": str(data_dir),
        "HIVE_SECRET_KEY": SECRET_KEY,  # decrypts the supplier credentials the test stored
        "HIVE_LOG_FORMAT": "json",
        "HIVE_WORKER_HEARTBEAT_INTERVAL_S": "1",
        "HIVE_WORKER_STALLED_AFTER_S": str(STALLED_AFTER_S),
        "HIVE_FEED_POLL_INTERVAL_S": "60",
        "HIVE_WORKER_METRICS_PORT": str(metrics_port),  # tests run side by side: 0
        "HIVE_WORKER_PERIODIC": str(settings.worker_periodic).lower(),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hive", "worker"], env=env, stdout=out, stderr=out
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
