"""The order chain's safety nets are scheduled: reconciliation every 5 minutes, the timeouts
every minute, the invariant check every night — each a periodic task with a lock, so two
workers never run one at once."""

from __future__ import annotations

from hive.orders import invariant_tasks, sync_tasks  # noqa: F401  (register the tasks)
from hive.platform.jobs import job_app

SCHEDULES = {
    "hive.orders.reconcile_sub_orders": "*/5 * * * *",
    "hive.orders.time_out_sub_orders": "* * * * *",
    "hive.orders.check_invariants": "41 18 * * *",  # 02:41 in Shanghai
}


def test_reconciliation_timeouts_and_the_invariant_check_are_periodic_and_locked() -> None:
    periodic = {t.task.name: t for t in job_app.periodic_registry.periodic_tasks.values()}
    assert {name: periodic[name].cron for name in SCHEDULES if name in periodic} == SCHEDULES
    for name in SCHEDULES:
        task = periodic[name].task
        assert task.lock is not None and task.queueing_lock == task.lock, name
