"""The order invariants as a nightly job and as ``hive orders check``.

Both check the books and the sub-orders created in the last days
(:func:`hive.orders.invariants.run_invariant_check`): a break is logged as an error and raised
as an ``orders.invariant_broken`` alert.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from procrastinate.job_context import JobContext

from hive.orders.invariants import run_invariant_check
from hive.platform.jobs import daily_at, job_app, runtime_of

INVARIANTS_LOCK = "orders_check_invariants"
# Sub-orders older than this are settled or followed by reconciliation; asking their supplier
# about each every night would cost more than it finds.
CHECK_WINDOW = timedelta(days=7)


@job_app.periodic(cron=daily_at(2, 41), periodic_id=INVARIANTS_LOCK)
@job_app.task(
    name="hive.orders.check_invariants",
    queue="housekeeping",
    pass_context=True,
    queueing_lock=INVARIANTS_LOCK,
    lock=INVARIANTS_LOCK,
)
async def check_invariants_job(context: JobContext, timestamp: int) -> bool:
    """Every night: the books, frozen = open shares, one upstream order per placed sub-order
    of the last week. True when everything holds."""
    runtime = runtime_of(context)
    since = datetime.now(UTC) - CHECK_WINDOW
    report = await run_invariant_check(runtime.database, runtime.adapter_for, since=since)
    return report.holds
