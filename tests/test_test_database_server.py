"""The test server trades durability for speed: no fsync on commit, clone or checkpoint."""

from __future__ import annotations

import os

import psycopg
import pytest

from hive.platform.config import libpq_url
from tests.conftest import OWN_SERVER_ENV
from tests.support.databases import NO_FSYNC


def test_the_test_database_server_never_waits_for_the_disk(database_url: str) -> None:
    if not os.environ.get(OWN_SERVER_ENV):
        pytest.skip("the run uses the server HIVE_TEST_DATABASE_URL names, set up by its owner")
    with psycopg.connect(libpq_url(database_url)) as conn:
        found = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in NO_FSYNC}
    assert found == {"fsync": "off", "full_page_writes": "off"}
