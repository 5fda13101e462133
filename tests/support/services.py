"""Optional servers (external PostgreSQL, Redis, RabbitMQ): used when reachable.

Locally a test that needs an absent server is skipped; with ``HIVE_REQUIRE_SERVICES=1`` (set by
CI) it fails instead, so CI can never pass by skipping them. The external PostgreSQL must also
be the version the README promises (15): another version is treated like an absent server.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import psycopg
import pytest

EXTERNAL_PG_URL = os.environ.get(
    "HIVE_EXTERNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("HIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("HIVE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
EXTERNAL_PG_MAJOR = 15  # "tested on an external PostgreSQL 15" (README)


def services_required() -> bool:
    return os.environ.get("HIVE_REQUIRE_SERVICES") == "1"


def is_reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def require_server(name: str, url: str, default_port: int) -> None:
    if is_reachable(url, default_port):
        return
    unavailable(f"{name} is not reachable at {urlsplit(url).netloc}")


def unavailable(message: str) -> None:
    """Skip the test, or fail it when CI requires every optional server."""
    if services_required():
        pytest.fail(f"{message}, and HIVE_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(message)


def server_major_version(url: str) -> int:
    """The major version of the PostgreSQL at ``url`` (``server_version_num`` // 10000)."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None
    return int(row[0]) // 10000


def require_external_postgres(url: str = EXTERNAL_PG_URL) -> None:
    """The external PostgreSQL is reachable and is PostgreSQL 15 — or the test cannot run."""
    require_server("external PostgreSQL", url, 5432)
    require_postgres_15(url)


def require_postgres_15(url: str) -> None:
    major = server_major_version(url)
    if major != EXTERNAL_PG_MAJOR:
        unavailable(
            f"the external PostgreSQL at {urlsplit(url).netloc} is version {major}, "
            f"not {EXTERNAL_PG_MAJOR}"
        )
