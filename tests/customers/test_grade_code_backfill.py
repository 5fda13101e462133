"""Grades made before codes existed (migration 0031) get one: the demo seeding gives the demo
grades their demo codes, migration 0034 every grade still without one (stable, unique)."""

from __future__ import annotations

import psycopg
from alembic import command
from sqlalchemy import text

from hive.demo import DEMO_GRADES, seed_demo_data
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.migrations import alembic_config, upgrade_to_head

GRADES = "SELECT name, code FROM customer_grades ORDER BY id"


async def test_seeding_again_gives_codeless_demo_grades_their_codes(
    database: Database, settings: Settings
) -> None:
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        await session.execute(text("UPDATE customer_grades SET code = NULL"))
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        rows = (await session.execute(text(GRADES))).all()
        audits = await session.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'grade.update'")
        )
    assert [tuple(row) for row in rows] == [(g.name, g.code) for g in DEMO_GRADES]
    assert audits == len(DEMO_GRADES)


def test_0034_gives_every_grade_without_a_code_a_unique_one(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0033")
    grades = [
        ("普通", None),  # a demo grade: its demo code
        ("VIP Partners", None),  # an ASCII name: the name
        ("白金", None),  # neither: grade-<id>
        ("Gold", "vip-partners"),  # its code stays, and the next to want it gets -<id>
        ("金牌", None),
        ("Other", "gold"),  # 金牌's demo code is taken
    ]
    with psycopg.connect(database_url) as conn:
        ids = [
            conn.execute(
                "INSERT INTO customer_grades (name, code, price_coefficient, description)"
                " VALUES (%s, %s, 1, '') RETURNING id",
                grade,
            ).fetchone()[0]  # type: ignore[index]
            for grade in grades
        ]
    command.upgrade(config, "0034")
    with psycopg.connect(database_url) as conn:
        codes = conn.execute("SELECT code FROM customer_grades ORDER BY id").fetchall()
    upgrade_to_head(database_url)
    assert [code for (code,) in codes] == [
        "standard",
        f"vip-partners-{ids[1]}",
        f"grade-{ids[2]}",
        "vip-partners",
        f"gold-{ids[4]}",
        "gold",
    ]
