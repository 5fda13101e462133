""" "Tested on an external PostgreSQL 15" is checked, not assumed: the external fixtures refuse
a server of another version (a failure in CI), and the tests using them carry ``external_pg``."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from hive.platform.db import Database
from tests.support.services import (
    EXTERNAL_PG_MAJOR,
    require_external_postgres,
    require_postgres_15,
    server_major_version,
)


def test_a_server_of_another_version_fails_in_ci_and_is_skipped_locally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = os.environ["HIVE_TEST_DATABASE_URL"]  # the tests' own server (embedded: not 15)
    major = server_major_version(other)
    if major == EXTERNAL_PG_MAJOR:
        pytest.skip("the tests' own server is PostgreSQL 15 too: no other version to refuse")
    refusal = f"is version {major}, not {EXTERNAL_PG_MAJOR}"
    monkeypatch.setenv("HIVE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match=f"{refusal}, and HIVE_REQUIRE_SERVICES=1"):
        require_postgres_15(other)
    monkeypatch.setenv("HIVE_REQUIRE_SERVICES", "0")
    with pytest.raises(pytest.skip.Exception, match=f"{refusal}$"):
        require_postgres_15(other)


def test_an_absent_external_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIVE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"external PostgreSQL is not reachable at"):
        require_external_postgres("postgresql://postgres@127.0.0.1:1/postgres")


async def test_the_external_database_is_postgresql_15(
    external_database: Database, request: pytest.FixtureRequest
) -> None:
    async with external_database.platform_transaction() as session:
        version = await session.scalar(text("SELECT current_setting('server_version_num')"))
    assert version is not None and int(version) // 10000 == EXTERNAL_PG_MAJOR
    assert request.node.get_closest_marker("external_pg") is not None
