"""All SQL of the pool's freshness: set-based reads and writes of many pool products at once.

Rows are read with Core (no ORM identity map to keep in sync) and written with one statement
per batch over ``unnest`` of arrays (one bind parameter per column, whatever the row count), so
a batch of a thousand products costs a handful of round trips and almost no compile time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, String, any_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product

REMOVED = "removed"
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
# Many rows travel as one JSON document (one parameter, serialised in C, no array escaping).
_ADD_CHANGES = text("""
INSERT INTO product_changes (product_id, source, changes)
SELECT v.product_id, v.source, v.changes
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(product_id bigint, source text, changes jsonb)
""")
_ADD_EVENTS = text("""
INSERT INTO domain_events (type, subject_type, subject_id, payload)
SELECT v.type, v.subject_type, v.subject_id, v.payload
FROM jsonb_to_recordset(CAST(:rows AS jsonb))
     AS v(type text, subject_type text, subject_id bigint, payload jsonb)
""")


async def pool_rows(
    session: AsyncSession,
    supplier_id: int,
    skus: Iterable[str],
    fields: Iterable[str],
    *,
    lock: bool = False,
) -> list[RowMapping]:
    """``id``, ``supplier_sku`` and ``fields`` of the supplier's pool products (not removed)
    among ``skus``; locked in id order when asked, so concurrent batches cannot deadlock."""
    columns = [Product.id, Product.supplier_sku, *(getattr(Product, f) for f in fields)]
    query = select(*columns).where(
        Product.supplier_id == supplier_id,
        # One array parameter: no expanded IN list to compile for a thousand SKUs.
        Product.supplier_sku == any_(bindparam("skus", list(skus), type_=ARRAY(String))),
        Product.status != REMOVED,
    )
    if lock:
        query = query.order_by(Product.id).with_for_update()
    return list((await session.execute(query)).mappings().all())


async def update_products(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], *, stamp: str | None = None
) -> None:
    """Set each row's columns on the product of its ``id``: one statement per column set.

    ``stamp`` (``refreshed_at`` or ``calibrated_at``) is set to now() by the same statement, so
    a refreshed row gets one new version instead of two."""
    if stamp is not None and stamp not in _TOUCHABLE:
        raise ValueError(f"not a freshness timestamp: {stamp}")
    by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row.keys() - {"id"})), []).append(row)
    for columns, group in by_columns.items():
        unknown = set(columns) - _BULK_TYPES.keys()
        if unknown:
            raise ValueError(f"not a bulk column: {sorted(unknown)}")
        await session.execute(_update_statement(columns, stamp), {"rows": _json(group)})


def _update_statement(columns: Sequence[str], stamp: str | None) -> Any:
    """``UPDATE products … FROM jsonb_to_recordset(…)`` setting ``columns`` (from _BULK_TYPES)."""
    sets = ", ".join([f"{c} = v.{c}" for c in columns] + ([f"{stamp} = now()"] if stamp else []))
    record = ", ".join(f"{c} {_BULK_TYPES[c]}" for c in columns)
    return text(
        f"UPDATE products AS p SET {sets} "  # noqa: S608  (column names from a fixed set)
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(id bigint, {record}) "
        "WHERE p.id = v.id"
    )


async def touch(session: AsyncSession, product_ids: Sequence[int], column: str) -> None:
    """Stamp ``refreshed_at`` or ``calibrated_at`` of the products with now()."""
    if column not in _TOUCHABLE:
        raise ValueError(f"not a freshness timestamp: {column}")
    if product_ids:
        await session.execute(
            update(Product)
            .where(Product.id.in_(list(product_ids)))
            .values({column: func.now()})
            .execution_options(synchronize_session=False)
        )


async def add_changes(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """History rows (``product_id``, ``source``, ``changes``) in one statement."""
    if rows:
        await session.execute(_ADD_CHANGES, {"rows": _json(rows)})


async def add_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Domain events (``type``, ``subject_type``, ``subject_id``, ``payload``) in one statement."""
    if rows:
        await session.execute(_ADD_EVENTS, {"rows": _json(rows)})


def _json(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


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


async def database_time(session: AsyncSession) -> datetime:
    """The database's clock (refresh stamps come from it, so reads are ordered against it)."""
    now: datetime = (await session.execute(select(func.clock_timestamp()))).scalar_one()
    return now
