"""Jobs of distribution pools: filling the demo's pools and library once the demo rules have
selected products (``hive up``; the products come from the simulator after start-up)."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

# Every demo rule must have run first (worker and simulator up): tried every 20 s for 20 minutes.
DEMO_RETRY = RetryStrategy(max_attempts=60, wait=20)

log = get_logger("hive.catalog.distribution")


class DemoPoolNotReady(Exception):
    """A demo rule has not run yet, or too few products: the job is tried again."""


@job_app.task(
    name="hive.catalog.fill_demo_distribution",
    queue="catalog",
    pass_context=True,
    retry=DEMO_RETRY,
)
async def fill_demo_distribution_job(context: JobContext) -> None:
    from hive.demo import fill_demo_distribution  # the demo imports this module to defer it

    async with runtime_of(context).database.platform_transaction() as session:
        if not await fill_demo_distribution(session):
            raise DemoPoolNotReady("the demo rules have not selected enough products yet")
    log.info("demo distribution pools and library filled")


async def defer_demo_fill(session: AsyncSession) -> int:
    """In the caller's transaction: fill the demo pools and library once products exist."""
    return await defer_in_transaction(session, fill_demo_distribution_job)
