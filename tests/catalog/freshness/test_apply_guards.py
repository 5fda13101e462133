"""The apply statement is built from fixed column and event names only: anything else is refused
before a statement is built (names are written into its SQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hive.catalog.freshness import repository
from hive.platform.db import Database

NOW = datetime(2026, 11, 1, tzinfo=UTC)
PRICE_EVENTS = {"purchase_price_fen": "catalog.price_changed"}


@pytest.mark.parametrize(
    ("values", "stamp", "events", "message"),
    [
        ({"1": {"name": "x"}}, None, PRICE_EVENTS, "not a bulk column: ['name']"),
        (
            {"1": {"purchase_price_fen": 1}},
            "updated_at",
            PRICE_EVENTS,
            "not a freshness timestamp: updated_at",
        ),
        (
            {"1": {"purchase_price_fen": 1}},
            None,
            {"purchase_price_fen": "catalog.price'; DROP TABLE products; --"},
            "not a plain event or field name: catalog.price'; DROP TABLE products; --",
        ),
        (
            {"1": {"purchase_price_fen": 1}},
            None,
            {"purchase_price_fen": "Catalog.Price"},
            "not a plain event or field name: Catalog.Price",
        ),
    ],
)
async def test_names_outside_the_fixed_sets_are_refused(
    database: Database,
    values: dict[str, dict[str, int]],
    stamp: str | None,
    events: dict[str, str],
    message: str,
) -> None:
    async with database.platform_transaction() as session:
        with pytest.raises(ValueError, match=r"^not a ") as raised:
            await repository.apply_values(
                session, 1, values, field_events=events, source="test", stamp=stamp, as_of=NOW
            )
    assert str(raised.value) == message


async def test_both_freshness_stamps_and_plain_event_names_are_accepted(
    database: Database,
) -> None:
    async with database.platform_transaction() as session:
        for stamp in ("refreshed_at", "calibrated_at", None):
            result = await repository.apply_values(
                session,
                1,
                {"1": {"purchase_price_fen": 1}},
                field_events=PRICE_EVENTS,
                source="test",
                stamp=stamp,
                as_of=NOW,
            )
            assert result == (0, {})  # no such product: nothing considered
