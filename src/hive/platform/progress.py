"""Long actions as jobs with progress: one row per action, read by the console's progress page.

A long action started in the console (select every hit of a search into the pool, and the
other bulk actions as they move here) gets a :class:`JobProgress` row in the transaction that
defers its procrastinate job; the job then advances the row as it goes and finishes it::

    progress = await start_progress(session, actor, BULK_SELECT, params={...}, planned=n)
    progress.job_id = await defer_in_transaction(session, task, progress_id=progress.id)
    ...                                     # in the job, per unit of work (a page):
    cancelled = await advance(session, progress_id, done=100, counts={...}, reasons={...},
                              cursor={"page": 3})
    await finish(session, progress_id, FINISHED)

The row is the job's memory: ``cursor`` says where to resume when the job runs again after its
worker died (``docs/jobs.md``; a job walking rows by id passes ``covered=IdRange(...)`` and reads
it back with :mod:`hive.platform.progress_ranges`), ``counts`` and ``reasons`` add up over every
attempt, and
``cancel_requested`` (set by the console) is read back by each ``advance``, so the job stops
between two units of work. :func:`view_of` turns a row into :class:`Progress`, the one shape
the console's progress box (``job_progress_box.html``) shows; a rule run maps onto it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform import progress_repository as repository
from hive.platform.actor import Actor
from hive.platform.errors import NotFound
from hive.platform.progress_model import (
    CANCELLED,
    ENDED,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    STATES,
    JobProgress,
)
from hive.platform.progress_ranges import IdRange, with_range

__all__ = [
    "CANCELLED",
    "ENDED",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "STATES",
    "IdRange",
    "JobProgress",
    "Progress",
    "ProgressNotFound",
]


class ProgressNotFound(NotFound):
    code = "job_progress_not_found"
    default_message = "没有这个后台任务 / No such background job"


@dataclass(frozen=True, slots=True)
class Progress:
    """How a long action stands, as the progress box shows it: ``state`` one of
    :data:`STATES`; ``done`` of ``planned`` units (``planned`` None: not known yet); outcome
    ``counts`` and ``reasons`` (code → how many)."""

    state: str
    done: int = 0
    planned: int | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    reasons: Mapping[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancel_requested: bool = False
    error: str = ""

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    @property
    def percent(self) -> int:
        """Whole percent done (100 once ended)."""
        if self.ended:
            return 100
        if not self.planned:
            return 0
        return min(100, self.done * 100 // self.planned)


def view_of(row: JobProgress) -> Progress:
    return Progress(
        state=row.status,
        done=row.done,
        planned=row.planned,
        counts=dict(row.counts or {}),
        reasons=dict(row.reasons or {}),
        started_at=row.started_at,
        finished_at=row.finished_at,
        cancel_requested=row.cancel_requested,
        error=row.error,
    )


def actor_of(row: JobProgress) -> Actor:
    """Who asked for the action: the job acts as them (their role is checked, audit names them)."""
    return Actor(user_id=row.actor_user_id, username=row.actor_name, role=row.actor_role)


async def start_progress(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    *,
    params: Mapping[str, Any],
    planned: int | None = None,
) -> JobProgress:
    """A queued row for a new action (flushed: its ``id`` is set), in the caller's transaction."""
    row = JobProgress(
        kind=kind,
        params=dict(params),
        planned=planned,
        actor_user_id=actor.user_id,
        actor_name=actor.username,
        actor_role=actor.role,
    )
    await repository.add(session, row)
    return row


async def get_progress(session: AsyncSession, progress_id: int) -> JobProgress:
    """The row; raises :class:`ProgressNotFound`."""
    row = await repository.get(session, progress_id)
    if row is None:
        raise ProgressNotFound(details={"progress_id": progress_id})
    return row


async def progress_of_job(session: AsyncSession, kind: str, job_id: int) -> JobProgress | None:
    """The row of ``kind`` whose job is ``job_id`` (a periodic job that made its own row finds
    it again when it runs a second time)."""
    return await repository.by_job(session, kind, job_id)


async def begin(session: AsyncSession, progress_id: int) -> JobProgress | None:
    """In the job: mark the row running (locked until the transaction ends) and return it, or
    None when it is gone or has ended (a job run again after it finished does nothing). A
    cancellation asked while it was queued ends it here, before any work."""
    row = await repository.get(session, progress_id, lock=True)
    if row is None or row.status in ENDED:
        return None
    if row.cancel_requested:
        await _end(session, row, CANCELLED)
        return None
    if row.status == QUEUED:
        row.status = RUNNING
        row.started_at = await repository.now(session)
    return row


async def advance(
    session: AsyncSession,
    progress_id: int,
    *,
    done: int,
    counts: Mapping[str, int] | None = None,
    reasons: Mapping[str, int] | None = None,
    cursor: Mapping[str, Any] | None = None,
    covered: IdRange | None = None,
    planned: int | None = None,
) -> bool:
    """Add ``done`` units and the ``counts``/``reasons`` of one unit of work, move the
    ``cursor`` or merge the id range the unit ``covered`` into it
    (:mod:`hive.platform.progress_ranges`), and set ``planned`` when now known; returns whether
    a cancellation was asked. The row is locked first, so units of work that end at once
    (concurrent batches) add up. Called in the transaction of the unit's writes, the cursor
    and the counts commit with them: a retried job neither loses nor repeats the unit."""
    row = await repository.get(session, progress_id, lock=True)
    if row is None:
        raise ProgressNotFound(details={"progress_id": progress_id})
    row.done += done
    row.counts = _added(row.counts, counts)
    row.reasons = _added(row.reasons, reasons)
    if cursor is not None:
        row.cursor = dict(cursor)
    if covered is not None:
        row.cursor = with_range(row.cursor, covered)
    if planned is not None:
        row.planned = planned
    await repository.save(session)
    return row.cancel_requested


async def start_over(session: AsyncSession, progress_id: int) -> None:
    """For an action that cannot resume where an earlier attempt stopped (a worker died under
    it: an export, whose file cannot commit with the row) and runs again from the start:
    forget what that attempt counted."""
    row = await get_progress(session, progress_id)
    row.done, row.counts, row.reasons, row.cursor = 0, {}, {}, {}
    await repository.save(session)


async def finish(session: AsyncSession, progress_id: int, state: str, *, error: str = "") -> None:
    """End the action as ``state`` (finished, cancelled or failed with ``error``); an action
    already ended is left as it is."""
    if state not in ENDED:
        raise ValueError(f"not an end state: {state}")
    row = await get_progress(session, progress_id)
    if row.status not in ENDED:
        await _end(session, row, state, error=error[:255])


async def _end(session: AsyncSession, row: JobProgress, state: str, *, error: str = "") -> None:
    """End the row; a cancelled action counts what it had not handled as skipped (reason
    ``cancelled``), so its numbers still add up to what was planned."""
    left = (row.planned or 0) - row.done
    if state == CANCELLED and left > 0:
        row.counts = _added(row.counts, {"skipped": left})
        row.reasons = _added(row.reasons, {"cancelled": left})
    await repository.end(session, row, state, error=error)


async def note_error(session: AsyncSession, progress_id: int, error: str) -> None:
    """Say why the last attempt stopped (the job will be tried again)."""
    row = await get_progress(session, progress_id)
    row.error = error[:255]
    await repository.save(session)


async def request_cancel(session: AsyncSession, progress_id: int) -> JobProgress:
    """Ask the action to stop after its current unit of work (nothing when it has ended);
    the caller checks who may. Raises :class:`ProgressNotFound`."""
    row = await get_progress(session, progress_id)
    if row.status not in ENDED:
        row.cancel_requested = True
        await repository.save(session)
    return row


async def list_progress(
    session: AsyncSession,
    kinds: Sequence[str],
    *,
    status: str | None = None,
    limit: int,
    offset: int,
    newest_first: bool = True,
) -> tuple[Sequence[JobProgress], int]:
    """A page of the actions of ``kinds`` (those the caller may see), newest first, and the
    number that match."""
    return await repository.list_rows(
        session, kinds, status=status, limit=limit, offset=offset, newest_first=newest_first
    )


def _added(before: Mapping[str, int] | None, more: Mapping[str, int] | None) -> dict[str, int]:
    total = dict(before or {})
    for key, n in (more or {}).items():
        total[key] = total.get(key, 0) + n
    return total
