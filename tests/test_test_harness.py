"""The test harness's own settings: a test server that trades durability for speed (no fsync
on commit, clone or checkpoint), property tests that never fail for time alone, and the slow
tests collected first."""

from __future__ import annotations

import os

import hypothesis
import psycopg
import pytest

from hive.platform.config import libpq_url
from tests.conftest import OWN_SERVER_ENV, slow_first
from tests.support.databases import NO_FSYNC


def test_the_test_database_server_never_waits_for_the_disk(database_url: str) -> None:
    if not os.environ.get(OWN_SERVER_ENV):
        pytest.skip("the run uses the server HIVE_TEST_DATABASE_URL names, set up by its owner")
    with psycopg.connect(libpq_url(database_url)) as conn:
        found = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in NO_FSYNC}
    assert found == {"fsync": "off", "full_page_writes": "off"}


def test_property_tests_have_no_deadline_and_no_too_slow_health_check() -> None:
    default = hypothesis.settings.default
    assert default.deadline is None
    assert hypothesis.HealthCheck.too_slow in default.suppress_health_check


class _Item:
    def __init__(self, name: str, *, slow: bool) -> None:
        self.name, self.slow = name, slow

    def get_closest_marker(self, name: str) -> object:
        return object() if name == "slow" and self.slow else None


def test_slow_tests_are_collected_first_each_group_in_its_order() -> None:
    items = [_Item(n, slow=n.startswith("s")) for n in ("f1", "s1", "f2", "s2", "f3")]
    ordered = slow_first(items)  # type: ignore[arg-type]
    assert [item.name for item in ordered] == ["s1", "s2", "f1", "f2", "f3"]
