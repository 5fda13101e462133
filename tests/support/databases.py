"""Creating, cloning and dropping test databases on one server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from hive.platform.database_server import start_embedded
from hive.platform.migrations import upgrade_to_head

# A test server's data is thrown away after the run, so it never asks the disk to make a write
# durable: every commit and every clone otherwise waits for an fsync (about 6 ms each on the
# CI machine's disk, where a commit without one takes 0.6 ms), and the checkpointer fsyncs
# every file of every cloned database. A crash of PostgreSQL alone still loses nothing (the
# WAL is in the kernel's cache), so the database-restart test keeps its guarantee.
NO_FSYNC = {"fsync": "off", "full_page_writes": "off"}


def start_test_server(pgdata: Path) -> Any:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = start_embedded(pgdata)
    with _admin(server.get_uri("postgres")) as conn:
        for name, value in NO_FSYNC.items():
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
        conn.execute("SELECT pg_reload_conf()")
    return server


def database_url_for(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(admin_url, autocommit=True)


def prepare_template(admin_url: str, name: str) -> None:
    """Create database ``name`` and migrate it to head; it is then only ever cloned."""
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    upgrade_to_head(database_url_for(admin_url, name))


def clone_database(admin_url: str, template: str) -> str:
    name = f"hive_test_{uuid.uuid4().hex[:12]}"
    with _admin(admin_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def drop_database(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# Under the repository, where the embedded server's own system user can reach its data.
OWN_SERVERS = Path(__file__).resolve().parents[2] / ".hive"


@contextmanager
def own_test_server(name: str) -> Iterator[Any]:
    """A PostgreSQL of its own (``start_test_server``) for a test that restarts or crashes it;
    stopped and its data removed afterwards."""
    work = OWN_SERVERS / f"{name}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    server = start_test_server(work / "pgdata")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
