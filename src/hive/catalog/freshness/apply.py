"""Applying supplier values to many pool products at once.

The result is what :func:`hive.catalog.pool.service.apply_changes` gives one product at a time — the
same history row per product (``{field: [old, new]}``) and the same domain events per changed
field group — computed and written by PostgreSQL in one statement per batch, so a thousand
products cost one round trip and no per-product work here. Only fields that do not feed the
search document go this way; a change of name, brand or category goes through
``pool.apply_changes``, which also rebuilds the search document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.freshness import repository
from hive.catalog.library import availability
from hive.catalog.library.availability import AVAILABILITY_FIELDS
from hive.catalog.pool.service import FIELD_EVENTS, PRICED
from hive.catalog.pricing import service as pricing

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
_BULK_EVENTS = {field: FIELD_EVENTS[field] for field in sorted(BULK_FIELDS)}

Changes = dict[str, list[Any]]


@dataclass
class BulkResult:
    """What a bulk apply did: products considered (in the pool) and their changes."""

    considered: int = 0
    changed: dict[str, Changes] = field(default_factory=dict)  # by SKU


async def apply_bulk(
    session: AsyncSession,
    supplier_id: int,
    values: Mapping[str, Mapping[str, Any]],
    *,
    source: str,
    as_of: datetime,
    times: Mapping[str, datetime] | None = None,
    stamp: str | None = None,
) -> BulkResult:
    """Set ``values[sku]`` on the supplier's pool products (removed ones are left alone);
    record and announce what actually changed.

    The values hold as of ``times[sku]`` (a message's supplier time) or else ``as_of`` (when
    a refresh started reading them): a field whose stored value holds as of a later time
    keeps it, so an older value never overwrites a newer one, in whatever order and batches
    they arrive. With ``stamp`` (``refreshed_at`` / ``calibrated_at``) every product of
    ``values`` is stamped now(). Library items of products whose shelf, supplier pool or
    stock changed are re-checked (hive.catalog.library.availability).
    """
    for sku, wanted in values.items():
        unknown = wanted.keys() - BULK_FIELDS
        if unknown:
            raise ValueError(f"fields not settable in bulk for {sku}: {sorted(unknown)}")
    if not values:
        return BulkResult()
    considered, changed = await repository.apply_values(
        session,
        supplier_id,
        values,
        field_events=_BULK_EVENTS,
        source=source,
        stamp=stamp,
        as_of=as_of,
        times=times,
    )
    repriced = [sku for sku, fields in changed.items() if PRICED & fields.keys()]
    if repriced:
        # Prices follow in the same transaction, one statement for the whole transaction.
        pricing.reprice_skus_later(session, supplier_id, repriced)
    # Library items of products that went off shelf, out of stock or back: one statement.
    moved = [sku for sku, fields in changed.items() if AVAILABILITY_FIELDS & fields.keys()]
    await availability.supplier_skus_changed(session, supplier_id, moved)
    return BulkResult(considered, changed)
