"""Rule runs started from the console: the run is handed to the worker as a job (never run in
the request), and its progress is read back from the run's records while it goes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.errors import RuleNotFound
from hive.catalog.selection import repository
from hive.catalog.selection import tasks as rule_tasks
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.permissions import Action, require
from hive.platform.progress import QUEUED, Progress


async def start_rule_job(session: AsyncSession, actor: Actor, rule_id: int) -> int:
    """Hand a run of the rule to the worker (in the caller's transaction); returns the job
    id. Raises :class:`RuleNotFound`."""
    require(actor, Action.RUN_RULES)
    if await repository.get_rule(session, rule_id) is None:
        raise RuleNotFound(details={"rule_id": rule_id})
    job_id = await rule_tasks.defer_rule_run(session, rule_id)
    await record_audit(
        session,
        actor,
        "rule.run_requested",
        target_type="selection_rule",
        target_id=rule_id,
        details={"job_id": job_id},
    )
    return job_id


async def run_progress(session: AsyncSession, rule_id: int, since_job: int | None) -> Progress:
    """How the rule's latest run stands, in the shape every progress box shows: ``queued``
    (no run yet, or a run older than job ``since_job``: the job asked for has not started),
    ``running`` or ``finished``; SKUs handled of those planned; added, restored, removed."""
    run = await repository.latest_run(session, rule_id)
    if run is None or (since_job is not None and (run.job_id or 0) < since_job):
        return Progress(state=QUEUED)
    planned = len((run.plan or {}).get("add", [])) if run.plan else 0
    return Progress(
        state=run.status,
        planned=planned or None,
        done=await repository.count_recorded(session, run.id),
        counts={
            "added": run.added or 0,
            "restored": run.restored or 0,
            "removed": run.removed or 0,
        },
        started_at=run.started_at,
        finished_at=run.finished_at,
    )
