"""``hive accounts top-up``: finance tops a tenant up from a terminal, audited; bad input is
refused with one line naming the problem, and nothing is written."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from hive.platform.db import Database
from tests.support.billing import ledger_report, summary
from tests.support.cli import hive_in_process
from tests.support.factories import make_tenant

pytestmark = pytest.mark.slow  # a real process: collected first (tests/conftest.py)


def _hive(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {"HIVE_DATABASE_URL": database_url, "HIVE_DATA_DIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "hive", "accounts", "top-up", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_cli_tops_up_a_tenant_as_finance_audited(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    tenant = await make_tenant(database, "acme")
    args = ["--tenant", "acme", "--amount-fen", "12345", "--note", "银行转账 0042"]
    result = await asyncio.to_thread(_hive, *args, database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "available 123.45 yuan" in result.stdout
    assert (await summary(database, tenant)).available_fen == 12_345
    async with database.platform_transaction() as session:
        audit = (
            await session.execute(
                text("SELECT actor_name, details FROM audit_log WHERE action = 'billing.top_up'")
            )
        ).one()
    assert audit[0].startswith("cli:") and audit[1]["note"] == "银行转账 0042"
    assert (await ledger_report(database)).in_balance


async def test_the_cli_refuses_bad_input_in_one_line_and_writes_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    await make_tenant(database, "acme")
    cases = [
        (["--tenant", "nobody", "--amount-fen", "100", "--note", "x"], "tenant_not_found"),
        (["--tenant", "acme", "--amount-fen", "0", "--note", "x"], "amount_fen"),
        (["--tenant", "acme", "--amount-fen", "-100", "--note", "x"], "amount_fen"),
        (["--tenant", "acme", "--amount-fen", "100", "--note", ""], "note"),
        (["--tenant", "acme", "--amount-fen", "1.5", "--note", "x"], "amount-fen"),
    ]
    for args, fragment in cases:  # in this process: the top-up above runs `python -m hive`
        result = hive_in_process(
            "accounts", "top-up", *args, database_url=database_url, data_dir=tmp_path, cwd=tmp_path
        )
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert fragment in result.stderr and "Traceback" not in result.stderr, result.stderr
    async with database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM ledger_entries")) == 0
