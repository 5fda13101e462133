"""Cancellation at every await: run an operation again and again, cancelling it at its 1st,
2nd, … k-th suspension, until a run completes before its k-th suspension.

A coroutine can only be cancelled where it suspends (an ``await`` that actually waits), so
cancelling at each suspension in turn reaches every place a caller's timeout could land. The
operation's coroutine is driven through a wrapper that counts the suspensions of the task that
runs it; at the k-th it cancels that task, so the ``CancelledError`` arrives exactly there —
deterministically, with real I/O too, with no timing involved.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from hive.platform.db import Database

MAX_SUSPENSIONS = 2000


class _CancelAt:
    """Awaitable driving ``coro``; cancels the running task at its ``at``-th suspension."""

    def __init__(self, coro: Coroutine[Any, Any, Any], at: int):
        self._coro = coro
        self._at = at
        self.suspensions = 0

    def __await__(self) -> Generator[Any, Any, Any]:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                yielded = self._coro.send(value) if error is None else self._coro.throw(error)
            except StopIteration as stop:
                return stop.value
            self.suspensions += 1
            if self.suspensions == self._at:
                task = asyncio.current_task()
                assert task is not None
                task.cancel()  # delivered at the await that is suspending right now
            try:
                value, error = (yield yielded), None
            except BaseException as exc:  # forwarded into the coroutine
                value, error = None, exc


@dataclass
class CancellationRun:
    points: int = 0  # suspensions of an uncancelled run
    cancelled: list[int] = field(default_factory=list)  # the k of each run that was cancelled
    swallowed: list[int] = field(default_factory=list)  # k where a library ate the cancellation


def cancelled_at_every_point(run: CancellationRun) -> bool:
    """Whether every suspension from the first on was cancelled (or, for a run allowed to
    swallow, reached), up to the run that completed.

    A path may suspend more often in one run than in another (a pooled connection ready or
    not, a reply already in the socket on a loaded machine): an earlier run can then have been
    cancelled at a point beyond the completing run's count, so the points tried are 1, 2, …
    without a gap and at least ``points`` of them.
    """
    tried = sorted(run.cancelled + run.swallowed)
    return tried == list(range(1, len(tried) + 1)) and len(tried) >= run.points


async def cancel_at_every_suspension(
    operation: Callable[[], Coroutine[Any, Any, Any]],
    check: Callable[[int], Awaitable[None]],
    *,
    limit: int = MAX_SUSPENSIONS,
    swallowed_ok: bool = False,
) -> CancellationRun:
    """For k = 1, 2, …: run ``operation()`` and cancel it at its k-th suspension, then await
    ``check(k)`` (assert that nothing is held and the primitive still works). Stops at the first
    k that the operation completes before reaching; each cancelled run must end cancelled —
    unless ``swallowed_ok``: for code whose library eats a cancellation (Python 3.11's
    ``asyncio.wait_for`` does when its inner future completes in the same instant), such runs
    are listed in ``swallowed`` and must still hold nothing."""
    run = CancellationRun()
    for k in range(1, limit + 1):
        cancelled, suspensions = await _run_once(operation, k)
        if cancelled:
            run.cancelled.append(k)
            await check(k)
            continue
        if suspensions >= k and swallowed_ok:
            run.swallowed.append(k)
            await check(k)
            continue
        assert suspensions < k, f"cancellation at suspension {k} was swallowed"
        run.points = suspensions
        await check(k)
        return run
    raise AssertionError(f"still suspending after {limit} cancellations")


async def _run_once(operation: Callable[[], Coroutine[Any, Any, Any]], k: int) -> tuple[bool, int]:
    """Run once, cancelled at suspension ``k``: (whether it ended cancelled, its suspensions).
    Keeps no reference to the task or its exception, so whatever the cancelled run dropped is
    freed by the time ``check`` runs, as it would be in production."""
    driver = _CancelAt(operation(), at=k)

    async def drive() -> Any:
        return await driver

    task = asyncio.create_task(drive())
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise  # it was us, the test, that was cancelled
        return True, driver.suspensions
    return False, driver.suspensions


async def cancel_at_every_step(
    operation: Callable[[], Coroutine[Any, Any, Any]],
    check: Callable[[int], Awaitable[None]],
    *,
    limit: int = MAX_SUSPENSIONS,
) -> CancellationRun:
    """Like :func:`cancel_at_every_suspension`, but cancel after k turns of the event loop
    (k = 0, 1, …): for operations that spread over several tasks (callers gathered together,
    a shared take task), every interleaving the loop can produce is cancelled once. Meant for
    operations whose awaits complete within a turn or two (``sleep(0)`` fakes), not real I/O."""
    run = CancellationRun()
    for k in range(limit):
        cancelled = await _step_once(operation, k)
        if cancelled is None:
            run.points = k
            await check(k)
            return run
        run.cancelled.append(k)
        await check(k)
    raise AssertionError(f"still running after {limit} turns of the loop")


async def _step_once(operation: Callable[[], Coroutine[Any, Any, Any]], k: int) -> bool | None:
    """None: the operation completed within ``k`` turns; True: it was cancelled after them."""
    task = asyncio.create_task(operation())
    for _ in range(k):
        if task.done():
            break
        await asyncio.sleep(0)
    if task.done():
        task.result()  # an operation that failed fails the test
        return None
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
        return True
    raise AssertionError(f"cancellation after {k} turns was swallowed")


async def other_connections(database: Database) -> int:
    """Connections to the test's database other than the asking one, once they have settled.

    psycopg frees a connection whose handshake was cancelled only when the garbage collector
    breaks the reference cycle that holds it (seconds later in a live process); collect first so
    the count shows leaks, not garbage. (Hive's database work that callers can cancel runs in
    tasks of its own: the rate-limit take, the token refresh; those are cancelled only at
    shutdown.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60  # an upper bound: generous for a loaded machine
    while True:
        gc.collect()
        async with database.platform_transaction() as session:
            count = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        if count == 0 or loop.time() > deadline:  # a backend exits just after its client
            return int(count or 0)
        await asyncio.sleep(0.05)


async def advisory_locks(database: Database) -> int:
    """Advisory locks held in the test's database by any session."""
    async with database.platform_transaction() as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND d.datname = current_database()"
            )
        )
    return int(count or 0)
