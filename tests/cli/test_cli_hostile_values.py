"""The CLI refuses hostile values (out of the 64-bit range, negative money, control
characters, numbers that are not finite) with one clear line and exit code 2, never a
traceback and never by doing it. The commands run in this process (``tests.support.cli``);
their command files each keep one ``python -m hive`` test."""

from __future__ import annotations

import pytest

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.cli import CliResult, hive_in_process
from tests.support.factories import make_tenant
from tests.support.openapi import sql

CASES = [
    (
        ["accounts", "top-up", "--amount-fen", "9223372036854775808", "--note", "x"],
        "amount_fen",
    ),
    (["accounts", "top-up", "--amount-fen", "-5", "--note", "x"], "amount_fen"),
    (
        ["accounts", "top-up", "--amount-fen", "100", "--note", "bank\x01ref"],
        "note：不能包含控制字符",
    ),
    (["apps", "create", "--name", "shop\x01app"], "control characters"),
    (["orders", "check", "--days", "99999999999999999999"], "--days"),
    (["apps", "limit", "some-key", "--rate", "1e309", "--burst", "1"], "finite"),
]


def _hive(settings: Settings, *args: str) -> CliResult:
    return hive_in_process(*args, database_url=settings.database_url, data_dir=settings.data_dir)


@pytest.mark.parametrize(("args", "named"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
async def test_a_hostile_value_is_one_clear_line_and_exit_2(
    settings: Settings, database: Database, args: list[str], named: str
) -> None:
    await make_tenant(database, "cli")
    tenant = ["--tenant", "cli"] if args[0] == "accounts" or args[1] == "create" else []
    result = _hive(settings, *args, *tenant)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert named in result.stderr
    assert "{'problems'" not in result.stderr, result.stderr  # worded, not the raw details
    assert await sql(database, "SELECT count(*) FROM open_apps") == [(0,)]
    assert await sql(database, "SELECT count(*) FROM ledger_entries") == [(0,)]


# Every argument that names something: a malformed name is refused as input before any lookup
# (never answered "not found"), with the argument named as it was typed.
NAME_CASES = [
    (["accounts", "top-up", "--tenant", "ac\x01me", "--amount-fen", "100", "--note", "x"],
     "--tenant：不能包含控制字符"),
    (["apps", "create", "--tenant", "ACME!", "--name", "shop"], "--tenant：格式不正确"),
    (["apps", "create", "--tenant", "c" * 33, "--name", "shop"], "--tenant：最多 32 个字符"),
    (["apps", "revoke", "ak\x01"], "APP_KEY：不能包含控制字符"),
    (["apps", "limit", "ak/../x", "--rate", "1", "--burst", "1"], "APP_KEY：格式不正确"),
    (["apps", "grade-limit", "--grade", "金\x7f牌", "--rate", "1", "--burst", "1"],
     "--grade：不能包含控制字符"),
    (["orders", "sync", "HV0000000042-01", "HV\x1b[2J"], "NUMBERS：不能包含控制字符"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "named"),
    NAME_CASES,
    ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(NAME_CASES)],
)
async def test_a_malformed_name_is_refused_as_input_before_any_lookup(
    settings: Settings, database: Database, args: list[str], named: str
) -> None:
    await make_tenant(database, "cli")
    result = _hive(settings, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "validation_failed" in result.stderr and named in result.stderr, result.stderr
    assert "not_found" not in result.stderr, result.stderr
    assert await sql(database, "SELECT count(*) FROM open_apps") == [(0,)]
    assert await sql(database, "SELECT count(*) FROM ledger_entries") == [(0,)]


def test_a_refusal_names_the_field_as_typed_whatever_pages_this_process_loaded() -> None:
    """The console's pages define labels for their fields (``field.amount_fen`` is 金额 once
    the billing pages are loaded); a command's refusal names the field itself either way, so
    one line never depends on which modules the process happened to import."""
    from hive.billing import routes  # noqa: F401  (defines the billing pages' labels)
    from hive.launcher import refusal_line
    from hive.platform.validation import InvalidInput, Problem

    refused = InvalidInput([Problem("amount_fen", "too_small", {"min": 1})])
    assert refusal_line(refused).endswith("; amount_fen：不能小于 1"), refusal_line(refused)
