"""All SQL of the pool's freshness: set-based reads and writes of many pool products at once.

Rows are read with Core (no ORM identity map to keep in sync); many rows travel as one JSON
document (one bind parameter, serialised in C, whatever the row count), and a batch of supplier
values is compared, written, recorded and announced by one statement, so a thousand products
cost one round trip and no per-row work in Python.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product
from hive.catalog.status import ProductStatus
from hive.platform.domain_events import insert_events_sql
from hive.platform.sql_json import json_document

REMOVED = ProductStatus.REMOVED.value
# Event and field names written into statements (from code, never from input).
_NAME = re.compile(r"[a-z_.]{1,64}")
_TOUCHABLE = frozenset({"refreshed_at", "calibrated_at"})
# The SQL type of each column set in bulk.
_BULK_TYPES = {
    "purchase_price_fen": "bigint",
    "retail_price_fen": "bigint",
    "tax_rate_percent": "integer",
    "on_shelf": "boolean",
    "in_supplier_pool": "boolean",
    "stock": "jsonb",
}
_POOLED_SKUS = text("""
SELECT p.supplier_sku FROM products AS p
WHERE p.supplier_id = :supplier_id AND p.status <> 'removed'
  AND p.supplier_sku = ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(:skus AS jsonb))))
""")


async def pooled_skus(session: AsyncSession, supplier_id: int, skus: Iterable[str]) -> set[str]:
    """Those of ``skus`` that are pool products of the supplier (not removed)."""
    params = {"supplier_id": supplier_id, "skus": json_document(list(skus))}
    return set((await session.scalars(_POOLED_SKUS, params)).all())


async def apply_values(
    session: AsyncSession,
    supplier_id: int,
    values: Mapping[str, Mapping[str, Any]],
    *,
    field_events: Mapping[str, str],
    source: str,
    stamp: str | None,
    as_of: datetime,
    times: Mapping[str, datetime] | None = None,
) -> tuple[int, dict[str, dict[str, list[Any]]]]:
    """Set ``values[sku]`` on the supplier's pool products (not removed) in one statement.

    Each value holds as of ``times[sku]`` (a message's supplier time), else ``as_of`` (when
    the values were read). A field whose stored value holds as of a later time keeps it: an
    older value never overwrites a newer one, whatever order they arrive in; an applied
    field's time is recorded in ``value_times``.

    The products are locked in id order (concurrent batches cannot deadlock); each changed
    one gets a history row (``{field: [old, new]}``, from ``source``) and one domain event per
    event type of ``field_events`` among its changed fields (payload ``{"changes": …}``).
    ``stamp`` (``refreshed_at`` / ``calibrated_at``) is set to now() on every product of
    ``values``. Returns how many products were considered and the changes of those that
    changed, by SKU (one JSON document: one parse here, whatever the batch size).
    """
    fields = tuple(sorted({f for row in values.values() for f in row}))
    times = times or {}
    rows = [
        {"sku": sku, **row, **({"_at": times[sku].isoformat()} if sku in times else {})}
        for sku, row in values.items()
    ]
    params = {
        "supplier_id": supplier_id,
        "rows": json_document(rows),
        "source": source,
        "as_of": as_of,
    }
    events = tuple(sorted(field_events.items()))
    statement = _apply_statement(fields, stamp, events)
    considered, changed = (await session.execute(statement, params)).one()
    return int(considered), changed


@functools.cache
def _apply_statement(
    fields: tuple[str, ...],
    stamp: str | None,
    field_events: tuple[tuple[str, str], ...],
) -> Any:
    """The statement of :func:`apply_values` for products given ``fields``.

    A row of the JSON document gives each field it names (JSON null included), keeps the
    others, and may give its own time (``_at``); columns and types come from the fixed
    ``_BULK_TYPES``, never from input.
    """
    unknown = set(fields) - _BULK_TYPES.keys()
    if unknown:
        raise ValueError(f"not a bulk column: {sorted(unknown)}")
    if stamp is not None and stamp not in _TOUCHABLE:
        raise ValueError(f"not a freshness timestamp: {stamp}")
    # A field is taken when the row names it and the product's value is not newer.
    take = ", ".join(
        f"o.doc ? '{f}' AND (o.value_times ->> '{f}' IS NULL "
        f"OR CAST(o.value_times ->> '{f}' AS timestamptz) <= o.at) AS take_{f}"
        for f in fields
    )
    new = ", ".join(
        f"CASE WHEN o.take_{f} THEN {_from_doc(f)} ELSE o.{f} END AS new_{f}" for f in fields
    )
    times = ", ".join(f"'{f}', CASE WHEN o.take_{f} THEN to_jsonb(o.at) END" for f in fields)
    diff = " || ".join(
        [
            f"CASE WHEN n.{f} IS DISTINCT FROM n.new_{f} THEN "
            f"jsonb_build_object('{f}', jsonb_build_array(n.{f}, n.new_{f})) ELSE '{{}}' END"
            for f in fields
        ]
        or ["'{}'::jsonb"]
    )
    sets = ", ".join(
        [f"{f} = d.new_{f}" for f in fields]
        + [
            "value_times = d.new_times",
            "updated_at = CASE WHEN d.changes <> '{}' THEN now() ELSE p.updated_at END",
        ]
        + ([f"{stamp} = now()"] if stamp else [])
    )
    # One event per product and event type among its changed fields, in product order.
    events = f"""
    SELECT g.type, 'product', d.id, jsonb_build_object('changes', d.changes - g.others)
    FROM d CROSS JOIN (VALUES {_event_groups(fields, field_events)}) AS g(type, fields, others)
    WHERE d.changes ?| g.fields
    ORDER BY d.id, g.type COLLATE "C"
"""  # noqa: S608  (names from the fixed sets, checked by _event_groups)
    changed_rows = "" if stamp else "AND (d.changes <> '{}' OR d.new_times <> d.value_times)"
    return text(
        # Column names come from the fixed _BULK_TYPES and _TOUCHABLE sets.
        f"""
WITH v AS (
    SELECT r.doc ->> 'sku' AS sku, r.doc,
           coalesce(CAST(r.doc ->> '_at' AS timestamptz), CAST(:as_of AS timestamptz)) AS at
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r(doc)
), l AS (
    SELECT p.id, p.supplier_sku, p.value_times,
           {", ".join(f"p.{f}" for f in fields) or "p.id AS _id"}, v.doc, v.at
    FROM products AS p JOIN v ON p.supplier_sku = v.sku
    -- The SKUs as an array: index lookups, never a scan of the supplier's whole pool.
    WHERE p.supplier_id = :supplier_id AND p.supplier_sku = ANY(ARRAY(SELECT sku FROM v))
      AND p.status <> 'removed'
    ORDER BY p.id
    FOR UPDATE OF p
), t AS (
    SELECT o.*{", " + take if take else ""} FROM l AS o
), n AS (
    SELECT o.*{", " + new if new else ""},
           o.value_times || jsonb_strip_nulls(jsonb_build_object({times})) AS new_times
    FROM t AS o
), d AS (
    SELECT n.*, {diff} AS changes FROM n
), updated AS (
    UPDATE products AS p SET {sets}
    FROM d WHERE p.id = d.id {changed_rows}
), history AS (
    INSERT INTO product_changes (product_id, source, changes)
    SELECT d.id, :source, d.changes FROM d WHERE d.changes <> '{{}}' ORDER BY d.id
), events AS (
    {insert_events_sql(events)}
)
SELECT count(*),
       coalesce(jsonb_object_agg(d.supplier_sku, d.changes) FILTER (WHERE d.changes <> '{{}}'),
                '{{}}')
FROM d
"""  # noqa: S608
    )


def _event_groups(fields: Sequence[str], field_events: Sequence[tuple[str, str]]) -> str:
    """``VALUES`` rows (event type, its fields, every other field) for the events ``fields``
    can raise: a product's event of a type carries its changes of that type's fields."""
    types: dict[str, list[str]] = {}
    for field, event in field_events:
        if field in fields:
            types.setdefault(event, []).append(field)
    if not types:
        return "(NULL::text, ARRAY[]::text[], ARRAY[]::text[])"  # raises nothing
    for name in [*types, *fields]:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain event or field name: {name}")
    return ", ".join(
        f"('{event}', {_text_array(own)}, {_text_array(sorted(set(fields) - set(own)))})"
        for event, own in sorted(types.items())
    )


def _text_array(names: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{n}'" for n in names) + "]::text[]"


def _from_doc(field: str) -> str:
    """The SQL reading ``field`` from a row's JSON document as its column type."""
    kind = _BULK_TYPES[field]
    if kind == "jsonb":
        return f"o.doc -> '{field}'"
    return f"CAST(o.doc ->> '{field}' AS {kind})"


async def recent_products(
    session: AsyncSession, since: datetime, *, after_id: int, limit: int
) -> list[RowMapping]:
    """Pool products viewed or ordered at or after ``since``, by id after ``after_id``."""
    query = (
        select(Product.id, Product.supplier_id, Product.supplier_sku)
        .where(
            or_(Product.last_viewed_at >= since, Product.last_ordered_at >= since),
            Product.status != REMOVED,
            Product.id > after_id,
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list((await session.execute(query)).mappings().all())


async def pool_page(
    session: AsyncSession, supplier_id: int, *, after_id: int, limit: int
) -> list[RowMapping]:
    """The next ``limit`` pool products (not removed) of a supplier by id after ``after_id``."""
    query = (
        select(Product.id, Product.supplier_sku)
        .where(
            Product.supplier_id == supplier_id,
            Product.status != REMOVED,
            Product.id > after_id,
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list((await session.execute(query)).mappings().all())


async def pooled_supplier_ids(session: AsyncSession) -> list[int]:
    """Suppliers with at least one pool product that is not removed."""
    query = select(Product.supplier_id).where(Product.status != REMOVED).distinct()
    return sorted((await session.scalars(query)).all())


async def pool_size(session: AsyncSession, supplier_ids: list[int]) -> int:
    """Pool products (not removed) of these suppliers: what a calibration of them reads."""
    query = select(func.count()).where(
        Product.supplier_id.in_(supplier_ids), Product.status != REMOVED
    )
    return int(await session.scalar(query) or 0)


async def database_time(session: AsyncSession) -> datetime:
    """The database's clock (refresh stamps come from it, so reads are ordered against it)."""
    now: datetime = (await session.execute(select(func.clock_timestamp()))).scalar_one()
    return now
