"""The tests' supply of database clones: each test gets a fresh clone of the migrated
template, and every clone, the one made ahead for the next test too, is dropped in the end."""

from __future__ import annotations

import os
import uuid
from typing import Any

import psycopg

from tests.support.databases import CloneSupply, database_url_for


def _databases(admin_url: str, prefix: str) -> set[str]:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows: list[Any] = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
        ).fetchall()
    return {row[0] for row in rows}


def test_each_take_is_a_fresh_migrated_clone_and_all_are_dropped_in_the_end() -> None:
    admin_url = os.environ["HIVE_TEST_DATABASE_URL"]
    prefix = f"hive_test_supply_{uuid.uuid4().hex[:6]}_"  # other test processes clone too
    supply = CloneSupply(admin_url, os.environ["HIVE_TEST_TEMPLATE"], prefix)
    first = supply.take()
    with psycopg.connect(database_url_for(admin_url, first), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
        conn.execute("INSERT INTO alembic_version VALUES ('written-by-the-first-test')")
    supply.give_back(first)
    second = supply.take()
    assert second != first and _databases(admin_url, prefix) >= {second}
    with psycopg.connect(database_url_for(admin_url, second), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    supply.give_back(second)
    supply.close()  # the drops done, and the clone made ahead dropped too
    assert _databases(admin_url, prefix) == set()
