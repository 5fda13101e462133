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

from sqlalchemy import RowMapping, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product

REMOVED = "removed"
_TOUCHABLE = frozenset({"refreshed_at", "calibrated_at"})
# The SQL type of each column set in bulk (JSON travels as text and is cast per element).
_BULK_TYPES = {
    "purchase_price_fen": "bigint",
    "retail_price_fen": "bigint",
    "tax_rate_percent": "integer",
    "on_shelf": "boolean",
    "in_supplier_pool": "boolean",
    "stock": "jsonb",
}
_ADD_CHANGES = text("""
INSERT INTO product_changes (product_id, source, changes)
SELECT v.product_id, v.source, v.changes::jsonb
FROM unnest(CAST(:product_ids AS bigint[]), CAST(:sources AS text[]), CAST(:changes AS text[]))
     AS v(product_id, source, changes)
""")
_ADD_EVENTS = text("""
INSERT INTO domain_events (type, subject_type, subject_id, payload)
SELECT v.type, v.subject_type, v.subject_id, v.payload::jsonb
FROM unnest(CAST(:types AS text[]), CAST(:subject_types AS text[]),
            CAST(:subject_ids AS bigint[]), CAST(:payloads AS text[]))
     AS v(type, subject_type, subject_id, payload)
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
        Product.supplier_sku.in_(list(skus)),
        Product.status != REMOVED,
    )
    if lock:
        query = query.order_by(Product.id).with_for_update()
    return list((await session.execute(query)).mappings().all())


async def update_products(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set each row's columns on the product of its ``id``: one statement per column set."""
    by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row.keys() - {"id"})), []).append(row)
    for columns, group in by_columns.items():
        unknown = set(columns) - _BULK_TYPES.keys()
        if unknown:
            raise ValueError(f"not a bulk column: {sorted(unknown)}")
        params: dict[str, list[Any]] = {"id": [row["id"] for row in group]}
        for column in columns:
            json_column = _BULK_TYPES[column] == "jsonb"
            params[column] = [_json(row[column]) if json_column else row[column] for row in group]
        await session.execute(_update_statement(columns), params)


def _update_statement(columns: Sequence[str]) -> Any:
    """``UPDATE products … FROM unnest(…)`` setting ``columns`` (names from _BULK_TYPES only)."""
    arrays = ", ".join(
        f"CAST(:{c} AS {'text' if _BULK_TYPES[c] == 'jsonb' else _BULK_TYPES[c]}[])"
        for c in columns
    )
    sets = ", ".join(
        f"{c} = v.{c}::jsonb" if _BULK_TYPES[c] == "jsonb" else f"{c} = v.{c}" for c in columns
    )
    names = ", ".join(columns)
    return text(
        f"UPDATE products AS p SET {sets} "  # noqa: S608  (column names from a fixed set)
        f"FROM unnest(CAST(:id AS bigint[]), {arrays}) AS v(id, {names}) WHERE p.id = v.id"
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
        params = {
            "product_ids": [row["product_id"] for row in rows],
            "sources": [row["source"] for row in rows],
            "changes": [_json(row["changes"]) for row in rows],
        }
        await session.execute(_ADD_CHANGES, params)


async def add_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Domain events (``type``, ``subject_type``, ``subject_id``, ``payload``) in one statement."""
    if rows:
        params = {
            "types": [row["type"] for row in rows],
            "subject_types": [row["subject_type"] for row in rows],
            "subject_ids": [row["subject_id"] for row in rows],
            "payloads": [_json(row["payload"]) for row in rows],
        }
        await session.execute(_ADD_EVENTS, params)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


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
