"""All SQL of job progress rows (hive.platform.progress)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.progress_model import JobProgress


async def add(session: AsyncSession, row: JobProgress) -> None:
    session.add(row)
    await session.flush()


async def get(session: AsyncSession, progress_id: int, *, lock: bool = False) -> JobProgress | None:
    statement = select(JobProgress).where(JobProgress.id == progress_id)
    if lock:
        statement = statement.with_for_update()
    row: JobProgress | None = await session.scalar(statement)
    return row


async def by_job(session: AsyncSession, kind: str, job_id: int) -> JobProgress | None:
    statement = select(JobProgress).where(JobProgress.kind == kind, JobProgress.job_id == job_id)
    row: JobProgress | None = await session.scalar(statement.limit(1))
    return row


async def save(session: AsyncSession) -> None:
    await session.flush()


async def now(session: AsyncSession) -> datetime:
    value: datetime = await session.scalar(select(func.now()))  # type: ignore[assignment]
    return value


async def end(session: AsyncSession, row: JobProgress, state: str, *, error: str = "") -> None:
    row.status = state
    row.error = error
    row.finished_at = await now(session)
    await session.flush()


async def list_rows(
    session: AsyncSession,
    kinds: Sequence[str],
    *,
    status: str | None,
    limit: int,
    offset: int,
    newest_first: bool = True,
) -> tuple[Sequence[JobProgress], int]:
    """One page of the rows of ``kinds`` (and ``status`` when set), and how many match."""
    where: list[ColumnElement[bool]] = [JobProgress.kind.in_(list(kinds))]
    if status:
        where.append(JobProgress.status == status)
    order = JobProgress.id.desc() if newest_first else JobProgress.id.asc()
    rows = await session.scalars(
        select(JobProgress).where(*where).order_by(order).limit(limit).offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(JobProgress).where(*where))
    return rows.all(), int(total or 0)
