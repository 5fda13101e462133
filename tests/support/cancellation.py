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
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

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


async def cancel_at_every_suspension(
    operation: Callable[[], Coroutine[Any, Any, Any]],
    check: Callable[[int], Awaitable[None]],
    *,
    limit: int = MAX_SUSPENSIONS,
) -> CancellationRun:
    """For k = 1, 2, …: run ``operation()`` and cancel it at its k-th suspension, then await
    ``check(k)`` (assert that nothing is held and the primitive still works). Stops at the first
    k that the operation completes before reaching; each cancelled run must end cancelled."""
    run = CancellationRun()
    for k in range(1, limit + 1):
        driver = _CancelAt(operation(), at=k)

        async def drive(driver: _CancelAt = driver) -> Any:
            return await driver

        task = asyncio.create_task(drive())
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise  # it was us, the test, that was cancelled
            run.cancelled.append(k)
            await check(k)
            continue
        assert driver.suspensions < k, f"cancellation at suspension {k} was swallowed"
        run.points = driver.suspensions
        await check(k)
        return run
    raise AssertionError(f"still suspending after {limit} cancellations")
