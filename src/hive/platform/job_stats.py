"""How the background jobs stand, for the dashboard: jobs per status (procrastinate's table)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

JOB_COUNTS = text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")
FAILED_JOBS = text(
    "SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'failed' "
    "GROUP BY task_name ORDER BY count(*) DESC, task_name LIMIT :limit"
)


async def job_counts(session: AsyncSession) -> dict[str, int]:
    """Jobs per status: ``todo``, ``doing``, ``succeeded``, ``failed``, ``cancelled`` …"""
    return {status: int(n) for status, n in (await session.execute(JOB_COUNTS)).all()}


async def failed_by_task(session: AsyncSession, limit: int = 10) -> list[tuple[str, int]]:
    """The tasks with failed jobs, most failures first."""
    rows = await session.execute(FAILED_JOBS, {"limit": limit})
    return [(task, int(n)) for task, n in rows.all()]
