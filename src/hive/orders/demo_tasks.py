"""The job placing the demo orders (``hive up``): deferred by the demo distribution fill once
acme's pools and library are filled (:func:`hive.demo.fill_demo_distribution`); runs
:func:`hive.demo_orders.seed_demo_orders`, which is idempotent, so a retry is safe."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.logging import get_logger

DEMO_ORDERS_LOCK = "seed_demo_orders"

log = get_logger("hive.orders.demo")


@job_app.task(
    name="hive.orders.seed_demo_orders",
    queue="orders",
    pass_context=True,
    lock=DEMO_ORDERS_LOCK,
    retry=RetryStrategy(max_attempts=5, exponential_wait=2),
)
async def seed_demo_orders_job(context: JobContext) -> None:
    from hive.demo_orders import seed_demo_orders  # the demo data's, imported where it runs

    runtime = runtime_of(context)
    if await seed_demo_orders(runtime.database, runtime.adapter_for, runtime.settings):
        log.info("demo orders placed")
    else:
        log.warning("demo orders not placed: the demo warehouse supplier is missing")


async def defer_demo_orders(session: AsyncSession) -> int:
    """In the caller's transaction: place the demo orders once it commits."""
    return await defer_in_transaction(session, seed_demo_orders_job)
