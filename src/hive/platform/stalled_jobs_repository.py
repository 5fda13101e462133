"""All SQL of stalled-job recovery (:mod:`hive.platform.stalled_jobs`).

Jobs change state through procrastinate's own SQL functions, in the caller's transaction, so
counting a stall and retrying (or failing) the job commit together.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_LOCK_DOING = text(
    "SELECT id FROM procrastinate_jobs WHERE id = :id AND status = 'doing' FOR UPDATE"
)
_COUNT_STALL = text(
    """
    INSERT INTO job_stalls (job_id, stalls) VALUES (:id, 1)
    ON CONFLICT (job_id) DO UPDATE
        SET stalls = job_stalls.stalls + 1, last_stalled_at = now()
    RETURNING stalls
    """
)
_RETRY = text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)")
_FAIL = text("SELECT procrastinate_finish_job_v1(:id, 'failed', false)")
_FORGET = text(
    """
    DELETE FROM job_stalls s
    WHERE NOT EXISTS (
        SELECT 1 FROM procrastinate_jobs j
        WHERE j.id = s.job_id AND j.status IN ('todo', 'doing')
    )
    """
)


async def settle_stalled_job(
    session: AsyncSession, job_id: int, *, max_stalls: int
) -> tuple[int, bool] | None:
    """Count a stall of ``job_id`` and retry it, or fail it at ``max_stalls``.

    Returns (stalls so far, retried?), or None when the job is no longer ``doing``."""
    if await session.scalar(_LOCK_DOING, {"id": job_id}) is None:
        return None
    stalls = int(await session.scalar(_COUNT_STALL, {"id": job_id}) or 0)
    retried = stalls < max_stalls
    await session.execute(_RETRY if retried else _FAIL, {"id": job_id})
    return stalls, retried


async def forget_finished_jobs(session: AsyncSession) -> None:
    """Drop the stall counts of jobs that are finished or gone."""
    await session.execute(_FORGET)
