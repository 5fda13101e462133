"""Optional servers (external PostgreSQL, Redis, RabbitMQ): used when reachable.

Locally a test that needs an absent server is skipped; with ``HIVE_REQUIRE_SERVICES=1`` (set by
CI) it fails instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

EXTERNAL_PG_URL = os.environ.get(
    "HIVE_EXTERNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("HIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("HIVE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


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
    message = f"{name} is not reachable at {urlsplit(url).netloc}"
    if services_required():
        pytest.fail(f"{message}, and HIVE_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(message)
