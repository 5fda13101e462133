"""Bad configuration or environment: one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest


def run_hive(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hive", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("hive: ")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in error_lines[0]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/hive", "must be a postgresql:// URL"),
        ("this is not a url", "not a database URL"),
        ("postgresql://nobody@127.0.0.1:1/hive", "Cannot connect to HIVE_DATABASE_URL"),
    ],
)
def test_malformed_or_unreachable_database_url(tmp_path: Path, url: str, fragment: str) -> None:
    result = run_hive("migrate", env={"HIVE_DATABASE_URL": url}, cwd=tmp_path)
    assert_clean_failure(result, fragment)


def test_invalid_port_setting(tmp_path: Path) -> None:
    result = run_hive("hcm", env={"HIVE_HCM_PORT": "99999"}, cwd=tmp_path)
    assert_clean_failure(result, "HIVE_HCM_PORT")


def test_port_in_use(tmp_path: Path, database_url: str) -> None:
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        port = occupied.getsockname()[1]
        result = run_hive(
            "hcm",
            env={"HIVE_DATABASE_URL": database_url, "HIVE_HCM_PORT": str(port)},
            cwd=tmp_path,
        )
    assert_clean_failure(result, f"Port {port}", "already in use", "HIVE_HCM_PORT")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory away")
def test_data_directory_owned_by_someone_else(tmp_path: Path) -> None:
    pgdata = tmp_path / "data" / "pgdata"
    pgdata.mkdir(parents=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(pgdata, nobody.pw_uid, nobody.pw_gid)
    result = run_hive("migrate", env={"HIVE_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert_clean_failure(result, str(pgdata), "belongs to user nobody")


def test_database_newer_than_the_code(tmp_path: Path, database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    result = run_hive("migrate", env={"HIVE_DATABASE_URL": database_url}, cwd=tmp_path)
    assert_clean_failure(result, "9999_from_the_future", "newer Hive")
    served = run_hive("hag", env={"HIVE_DATABASE_URL": database_url}, cwd=tmp_path)
    assert_clean_failure(served, "9999_from_the_future")


def test_help_explains_every_command(tmp_path: Path) -> None:
    result = run_hive("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    for command in ("up", "hcm", "hag", "worker", "migrate", "seed", "vop-sim"):
        assert f" {command} " in result.stdout
