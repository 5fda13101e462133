"""Jobs of distribution pools: filling the demo's pools and library once the demo rules have
selected products (``hive up``; the products come from the simulator after start-up)."""

from __future__ import annotations

from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

# Every demo rule must have run first (worker and simulator up): looked at every 20 s for
# 20 minutes. The job defers its next look itself rather than failing to be retried, so a
# fresh `hive up` logs no traceback for what is only waiting.
DEMO_WAIT_S = 20.0
DEMO_LOOKS = 60

log = get_logger("hive.catalog.distribution")


@job_app.task(
    name="hive.catalog.fill_demo_distribution",
    queue="catalog",
    pass_context=True,
)
async def fill_demo_distribution_job(context: JobContext, look: int = 1) -> None:
    from hive.demo import fill_demo_distribution  # the demo imports this module to defer it

    async with runtime_of(context).database.platform_transaction() as session:
        if await fill_demo_distribution(session):
            log.info("demo distribution pools and library filled")
        elif look < DEMO_LOOKS:
            await defer_in_transaction(
                session, fill_demo_distribution_job, delay_s=DEMO_WAIT_S, look=look + 1
            )
            log.info("demo distribution waits for the demo rules", look=look)
        else:
            log.warning("demo distribution not filled: the demo rules selected too little")


async def defer_demo_fill(session: AsyncSession) -> int:
    """In the caller's transaction: fill the demo pools and library once products exist."""
    return await defer_in_transaction(session, fill_demo_distribution_job)
