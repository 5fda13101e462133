"""The submission saga's job: one per sub-order, deferred by acceptance in its transaction.

A supplier outage raises and the job is retried with back-off (about 2 hours in all); a worker
killed mid-call leaves the job stalled, and the stalled-job recovery retries it. Either way the
saga carries on from the sub-order's status and looks the order up by ``thirdOrder`` before
submitting again (:mod:`hive.orders.submission`), so running the job again is safe.
"""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.submission import place_sub_order
from hive.platform.jobs import defer_in_transaction, job_app, runtime_of
from hive.platform.secret_key import load_secret_box

ORDERS_QUEUE = "orders"
# Retried after 2 s, 4 s, 8 s … up to 2 h 16 min in all.
SUBMIT_RETRY = RetryStrategy(max_attempts=13, exponential_wait=2)


@job_app.task(
    name="hive.orders.submit_sub_order",
    queue=ORDERS_QUEUE,
    pass_context=True,
    retry=SUBMIT_RETRY,
)
async def submit_sub_order(context: JobContext, sub_order_no: str) -> str:
    """Place ``sub_order_no`` upstream and confirm it; returns what the run did."""
    runtime = runtime_of(context)
    placement = await place_sub_order(
        runtime.database,
        runtime.adapter_for,
        load_secret_box(runtime.settings),
        sub_order_no,
    )
    return placement.value


async def defer_submission(session: AsyncSession, sub_order_no: str) -> int:
    """Defer the saga of one sub-order in ``session``'s transaction (exists iff it commits)."""
    return await defer_in_transaction(session, submit_sub_order, sub_order_no=sub_order_no)
