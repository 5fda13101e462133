"""Billing jobs: the daily ledger check."""

from __future__ import annotations

from procrastinate.job_context import JobContext

from hive.billing.reconciliation import run_ledger_check
from hive.platform.jobs import daily_at, job_app, runtime_of

LEDGER_CHECK_LOCK = "check_ledger"


@job_app.periodic(cron=daily_at(2, 23), periodic_id=LEDGER_CHECK_LOCK)
@job_app.task(
    name="hive.billing.check_ledger",
    queue="housekeeping",
    pass_context=True,
    queueing_lock=LEDGER_CHECK_LOCK,
    lock=LEDGER_CHECK_LOCK,
)
async def check_ledger_job(context: JobContext, timestamp: int) -> bool:
    """Every night: postings sum to zero, cached balances equal the ledger, frozen sums equal
    the open freezes; a mismatch is logged and raised as an alert. True when in balance."""
    report = await run_ledger_check(runtime_of(context).database)
    return report.in_balance
