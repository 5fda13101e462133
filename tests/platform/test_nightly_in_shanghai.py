"""Nightly jobs run at night in Shanghai. Procrastinate reads a periodic task's cron in UTC, so
"30 2 * * *" ran the pool calibration at 10:30 Beijing time, in the middle of the business day,
while the pages promise "每晚 02:30". Every daily task's next run is computed here as
procrastinate computes it (croniter from a UTC timestamp) and read in Asia/Shanghai."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hive.catalog.pool.texts import POOL_TEXTS
from hive.catalog.selection.texts import CATALOG_TEXTS
from hive.platform.jobs import daily_at, job_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAILY = re.compile(r"\d+ \d+ \* \* \*")
# 2026-11-30 20:00 in Shanghai: the next run of each nightly task is in the coming night.
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()


def _next_run(cron_task_id: str) -> datetime:
    periodic = {p.periodic_id: p for p in job_app.periodic_registry.periodic_tasks.values()}
    moment = periodic[cron_task_id].croniter.get_next(ret_type=float, start_time=START)
    return datetime.fromtimestamp(moment, SHANGHAI)


def test_every_daily_task_runs_between_midnight_and_six_in_shanghai() -> None:
    job_app.perform_import_paths()
    daily = [
        p.periodic_id
        for p in job_app.periodic_registry.periodic_tasks.values()
        if DAILY.fullmatch(p.cron)
    ]
    assert len(daily) >= 8, daily
    late = {task: _next_run(task).strftime("%H:%M") for task in daily}
    assert {task: at for task, at in late.items() if not "00:00" <= at < "06:00"} == {}


def test_the_calibration_and_the_rules_run_when_their_pages_say() -> None:
    job_app.perform_import_paths()
    for texts, key, task in (
        (POOL_TEXTS, "pool.calibrate.note", "catalog_calibrate_pool"),
        (CATALOG_TEXTS, "rule.intro", "catalog_run_scheduled_rules"),
    ):
        promised = re.search(r"\d\d:\d\d", texts["zh"][key])
        assert promised, key
        assert _next_run(task).strftime("%H:%M") == promised.group(0), key


def test_a_daily_time_is_one_of_a_day() -> None:
    assert daily_at(0, 5) == "5 16 * * *" and daily_at(8, 0) == "0 0 * * *"
    for hour, minute in ((24, 0), (-1, 0), (3, 60)):
        with pytest.raises(ValueError, match="not a time of day"):
            daily_at(hour, minute)
