"""All SQL of job progress rows (hive.platform.progress)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
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
