"""Creating, cloning and dropping test databases on one server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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


def clone_database(admin_url: str, template: str, prefix: str = "hive_test_") -> str:
    """A new database copied from ``template``, its name returned.

    The files are copied as they are (``FILE_COPY``) rather than read through the buffer
    cache and written to the WAL page by page (PostgreSQL's default): the copy is busy on the
    CPU for all of its 50–800 ms, and the WAL way was the slower in the suite (a mean wait of
    330–350 ms against 180–320 ms on the same loaded machine). The two checkpoints it asks for
    cost little on a server that never fsyncs (``NO_FSYNC``).
    """
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with _admin(admin_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY = FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def drop_database(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


class CloneSupply:
    """Clones of one template for the tests of one process, each made while the test before it
    runs and dropped while the test after it runs.

    A clone keeps PostgreSQL busy for 50–800 ms (it copies the template's ~13 MB, 300-odd
    relations), which the ~1,900 short tests would otherwise wait out one by one; a drop asks
    for a checkpoint. Both run in one thread of this process, in order: the next clone, then
    the last test's drop. ``take`` blocks until the clone made ahead is ready and raises what
    making it raised.
    """

    def __init__(self, admin_url: str, template: str, prefix: str = "hive_test_") -> None:
        self._admin_url = admin_url
        self._template = template
        self._prefix = prefix
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clone-supply")
        self._next: Future[str] | None = None
        self._drops: list[Future[None]] = []

    def take(self) -> str:
        """The name of a fresh clone, and the next one started."""
        ready = self._next or self._thread.submit(self._clone)
        name = ready.result()
        self._next = self._thread.submit(self._clone)
        return name

    def give_back(self, name: str) -> None:
        """Drop ``name`` once the clone being made is done; a failed drop surfaces in ``close``."""
        self._drops = [drop for drop in self._drops if not drop.done() or drop.exception()]
        self._drops.append(self._thread.submit(drop_database, self._admin_url, name))

    def close(self) -> None:
        """Wait for the drops, drop the clone made ahead; raises the first drop's error."""
        if self._next is not None:
            self._drops.append(self._thread.submit(self._drop_when_made, self._next))
        self._thread.shutdown(wait=True)
        for drop in self._drops:
            drop.result()

    def _clone(self) -> str:
        return clone_database(self._admin_url, self._template, self._prefix)

    def _drop_when_made(self, made: Future[str]) -> None:
        drop_database(self._admin_url, made.result())


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
