"""Applying supplier values to many pool products at once.

The result is what :func:`hive.catalog.pool.apply_changes` gives one product at a time — the
same history row per product (``{field: [old, new]}``) and the same domain events per changed
field group — written with a few multi-row statements instead of a flush per product. Only
fields that do not feed the search document go this way; a change of name, brand or category
goes through ``pool.apply_changes``, which also rebuilds the search document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import freshness_repository as repository
from hive.catalog.pool import FIELD_EVENTS, plain_value, same_value

# Fields a supplier refresh sets in bulk.
BULK_FIELDS = frozenset(
    {
        "purchase_price_fen",
        "retail_price_fen",
        "tax_rate_percent",
        "on_shelf",
        "in_supplier_pool",
        "stock",
    }
)

Changes = dict[str, list[Any]]


async def apply_bulk(
    session: AsyncSession,
    rows: Sequence[RowMapping],
    values: Mapping[int, Mapping[str, Any]],
    *,
    source: str,
    stamp: str | None = None,
) -> dict[int, Changes]:
    """Set ``values[product id]`` on the products of ``rows`` (read, and locked, by the caller
    in this transaction); record and announce what actually changed, by product id.

    With ``stamp`` (``refreshed_at`` / ``calibrated_at``) every product of ``rows`` is stamped
    now(): the changed ones by their update itself, the others by one more statement."""
    applied = _diff(rows, values)
    if stamp is not None:
        await repository.touch(session, [r["id"] for r in rows if r["id"] not in applied], stamp)
    if not applied:
        return applied
    await repository.update_products(
        session,
        [{"id": pid, **{f: values[pid][f] for f in changed}} for pid, changed in applied.items()],
        stamp=stamp,
    )
    await repository.add_changes(
        session,
        [{"product_id": pid, "source": source, "changes": c} for pid, c in applied.items()],
    )
    await repository.add_events(session, _events(applied))
    return applied


def _diff(
    rows: Sequence[RowMapping], values: Mapping[int, Mapping[str, Any]]
) -> dict[int, Changes]:
    """``{field: [old, new]}`` of what ``values`` would change, by product id."""
    applied: dict[int, Changes] = {}
    for row in rows:
        wanted = values.get(row["id"])
        if not wanted:
            continue
        unknown = wanted.keys() - BULK_FIELDS
        if unknown:
            raise ValueError(f"fields not settable in bulk: {sorted(unknown)}")
        changed = {
            f: [plain_value(row[f]), plain_value(v)]
            for f, v in wanted.items()
            if not same_value(row[f], v)
        }
        if changed:
            applied[row["id"]] = changed
    return applied


def _events(applied: Mapping[int, Changes]) -> list[dict[str, Any]]:
    events = []
    for product_id, changed in applied.items():
        for event in sorted({FIELD_EVENTS[f] for f in changed if f in FIELD_EVENTS}):
            fields = {f: v for f, v in changed.items() if FIELD_EVENTS.get(f) == event}
            events.append(
                {
                    "type": event,
                    "subject_type": "product",
                    "subject_id": product_id,
                    "payload": {"changes": fields},
                }
            )
    return events
