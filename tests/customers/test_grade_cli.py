"""``hive grades create``: a grade made from a terminal has the code it was given (printed
back), is audited under the terminal user and gets its full reprice, as from the grades
page; a missing, malformed or taken code (and a bad coefficient) is refused in one line naming
the field, and nothing is written."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from hive.platform.db import Database
from tests.support.cli import hive_in_process
from tests.support.factories import make_grade

CODE_RULE = "须以小写字母开头，2-32 位小写字母、数字和 -，如 gold"
pytestmark = pytest.mark.slow  # a real process: collected first (tests/conftest.py)


def _hive(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {"HIVE_DATABASE_URL": database_url, "HIVE_DATA_DIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "hive", "grades", "create", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _rows(database: Database, sql: str) -> list[tuple[object, ...]]:
    async with database.platform_transaction() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def test_the_cli_creates_a_grade_with_its_code_audited_and_repriced(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    args = ["--code", "vip-2", "--name", "贵宾", "--coefficient", "0.9", "--description", "大客户"]
    result = await asyncio.to_thread(_hive, *args, database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "created grade vip-2 (贵宾), coefficient 0.9" in result.stdout
    grades = await _rows(
        database, "SELECT code, name, price_coefficient, description FROM customer_grades"
    )
    assert [(g[0], g[1], str(g[2]), g[3]) for g in grades] == [
        ("vip-2", "贵宾", "0.9000", "大客户")
    ]
    audit = await _rows(database, "SELECT actor_name, details FROM audit_log")
    assert len(audit) == 1 and str(audit[0][0]).startswith("cli:")
    assert audit[0][1]["code"] == "vip-2"  # type: ignore[index]
    reprices = await _rows(
        database, "SELECT id FROM job_progress WHERE kind = 'pricing.reprice_all'"
    )
    assert len(reprices) == 1 and f"reprice job {reprices[0][0]}" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--code", " ", "--name", "甲", "--coefficient", "1"], ["code：必填"]),
        (["--code", "Gold", "--name", "甲", "--coefficient", "1"], ["code：" + CODE_RULE]),
        (["--code", "9a", "--name", "甲", "--coefficient", "1"], ["code：" + CODE_RULE]),
        (["--code", "a", "--name", "甲", "--coefficient", "1"], ["code：" + CODE_RULE]),
        (
            ["--code", "ok", "--name", "甲", "--coefficient", "0"],
            ["price_coefficient：不能小于 0.0001"],
        ),
        (["--code", "taken", "--name", "乙", "--coefficient", "1"], ["grade_code_taken"]),
        (["--name", "甲", "--coefficient", "1"], ["--code"]),
    ],
)
async def test_the_cli_refuses_a_bad_grade_in_one_line_and_writes_nothing(
    database: Database,
    database_url: str,
    tmp_path: Path,
    args: list[str],
    fragments: list[str],
) -> None:
    await make_grade(database, "已有")
    async with database.platform_transaction() as session:
        await session.execute(text("UPDATE customer_grades SET code = 'taken'"))
    # In this process: the creation above runs `python -m hive`.
    result = hive_in_process(
        "grades", "create", *args, database_url=database_url, data_dir=tmp_path, cwd=tmp_path
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert await _rows(database, "SELECT code FROM customer_grades") == [("taken",)]
