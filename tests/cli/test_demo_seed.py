"""Demo data: seeding twice adds nothing the second time, and each pool rule runs once."""

from __future__ import annotations

from sqlalchemy import text

from hive.demo import DEMO_RULES, seed_demo_data
from hive.platform.config import Settings
from hive.platform.db import Database

COUNTS = """
SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users),
       (SELECT count(*) FROM suppliers), (SELECT count(*) FROM selection_rules)
"""
RULE_JOBS = """
SELECT j.args ->> 'rule_id', r.name, r.scheduled FROM procrastinate_jobs j
JOIN selection_rules r ON r.id = CAST(j.args ->> 'rule_id' AS bigint)
WHERE j.task_name = 'hive.catalog.run_rule'
"""


async def test_seeding_twice_adds_nothing_and_defers_one_run_of_the_demo_rule(
    database: Database, settings: Settings
) -> None:
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        first = (await session.execute(text(COUNTS))).one()
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        second = (await session.execute(text(COUNTS))).one()
        jobs = (await session.execute(text(RULE_JOBS))).all()
    assert first == second == (2, 5, 2, len(DEMO_RULES))
    assert sorted((name, scheduled) for _, name, scheduled in jobs) == sorted(
        (name, True) for name, _ in DEMO_RULES
    )
