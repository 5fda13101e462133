"""A pool product's status: one enum, one table of allowed moves, the same rule in the
database."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import text

from hive.catalog.status import ProductStatus, can_change
from hive.platform.db import Database

ALLOWED = {
    ("active", "paused"),
    ("active", "removed"),
    ("paused", "active"),
    ("paused", "removed"),
    ("removed", "active"),
}


@pytest.mark.parametrize(
    ("current", "new"), list(itertools.product([*ProductStatus, "deleted"], repeat=2))
)
def test_only_the_moves_of_the_table_are_allowed(current: str, new: str) -> None:
    assert can_change(current, new) is ((current, new) in ALLOWED)


async def test_the_database_refuses_a_status_outside_the_enum(database: Database) -> None:
    async with database.platform_transaction() as session:
        definition = await session.scalar(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'ck_products_status'"
            )
        )
    assert definition is not None
    named = re.findall(r"'([a-z_]+)'", definition)
    assert sorted(named) == sorted(s.value for s in ProductStatus)
