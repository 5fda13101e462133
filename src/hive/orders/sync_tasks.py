"""Order sync jobs: one sub-order read from its supplier (deferred by the change-feed
handlers), the periodic reconciliation of unfinished sub-orders, and the timeout job."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext

from hive.orders import reconciliation
from hive.orders.sync import sync_sub_order
from hive.platform.jobs import job_app, runtime_of

ORDERS_QUEUE = "orders"
# A supplier that does not answer is tried again for about an hour; reconciliation covers
# what is still missed after that.
SYNC_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)
RECONCILE_LOCK = "reconcile_sub_orders"
TIMEOUTS_LOCK = "time_out_sub_orders"


@job_app.task(
    name="hive.orders.sync_sub_order", queue=ORDERS_QUEUE, pass_context=True, retry=SYNC_RETRY
)
async def sync_sub_order_job(context: JobContext, sub_order_no: str, via: str = "feed") -> int:
    """Read one sub-order from its supplier and apply what changed (``hive.orders.sync``);
    returns how many changes that made."""
    runtime = runtime_of(context)
    changes = await sync_sub_order(runtime.database, runtime.adapter_for, sub_order_no, via=via)
    return changes or 0


@job_app.periodic(cron="*/5 * * * *", periodic_id=RECONCILE_LOCK)
@job_app.task(
    name="hive.orders.reconcile_sub_orders",
    queue=ORDERS_QUEUE,
    pass_context=True,
    queueing_lock=RECONCILE_LOCK,
    lock=RECONCILE_LOCK,
)
async def reconcile_sub_orders_job(context: JobContext, timestamp: int) -> int:
    """Every 5 minutes: a batch of unfinished sub-orders, the longest unchecked first, read
    from their suppliers and repaired. Returns how many were read."""
    runtime = runtime_of(context)
    report = await reconciliation.reconcile(
        runtime.database, runtime.adapter_for, batch=runtime.settings.order_reconcile_batch
    )
    return report.checked


@job_app.periodic(cron="* * * * *", periodic_id=TIMEOUTS_LOCK)
@job_app.task(
    name="hive.orders.time_out_sub_orders",
    queue=ORDERS_QUEUE,
    pass_context=True,
    queueing_lock=TIMEOUTS_LOCK,
    lock=TIMEOUTS_LOCK,
)
async def time_out_sub_orders_job(context: JobContext, timestamp: int) -> int:
    """Every minute: sub-orders never placed, or placed and never confirmed, for too long are
    timed out (``hive.orders.reconciliation.time_out``). Returns how many were timed out."""
    runtime = runtime_of(context)
    settings = runtime.settings
    report = await reconciliation.time_out(
        runtime.database,
        runtime.adapter_for,
        unsubmitted_after_s=settings.order_unsubmitted_timeout_s,
        unconfirmed_after_s=settings.order_unconfirmed_timeout_s,
        batch=settings.order_reconcile_batch,
    )
    return report.timed_out
