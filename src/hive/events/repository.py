"""All SQL of tenant events: the set-based insert (with per-entity sequence numbers) and the
reader that never skips a row.

Why the reader orders by ``(txid, id)`` rather than by ``id`` alone: ids are drawn from a
sequence at insert, but transactions commit in another order. A transaction still in flight
may hold id 12 while id 20 is already committed; a reader that returned 20 and remembered
"after 20" would never see 12. Every transaction whose id is below the oldest transaction still
running (``pg_snapshot_xmin``) has finished, and every event written from now on comes from a
transaction at or above it. So the reader returns only rows with ``txid`` below that horizon,
in ``(txid, id)`` order: the sequence of rows it can ever return only grows at its end. The
cursor a client holds is still the plain ``id`` of the last row it read; the reader looks that
row's ``txid`` up to continue after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hive.events.models import TenantEntitySequence, TenantEvent
from hive.platform import driver

EVENTS = TenantEvent.__tablename__
SEQUENCES = TenantEntitySequence.__tablename__
SOURCE_COLUMNS = "tenant_id, type, entity_type, entity_id, payload"
# The oldest transaction still running, as a BIGINT comparable with ``txid``.
HORIZON = "CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)"

# Table names are constants of this module; no input is composed into the text.
_EVENT_CTES = f"""
_ev_numbered AS (
    SELECT s.tenant_id, s.type, s.entity_type, s.entity_id, s.payload,
           row_number() OVER w AS n, count(*) OVER (PARTITION BY s.tenant_id, s.entity_type,
                                                     s.entity_id) AS k
      FROM {{source}} s
    WINDOW w AS (PARTITION BY s.tenant_id, s.entity_type, s.entity_id ORDER BY s.type)
),
_ev_bumped AS (
    INSERT INTO {SEQUENCES} AS q (tenant_id, entity_type, entity_id, last_sequence)
    SELECT tenant_id, entity_type, entity_id, count(*) FROM {{source}}
     GROUP BY tenant_id, entity_type, entity_id
     ORDER BY tenant_id, entity_type, entity_id
    ON CONFLICT (tenant_id, entity_type, entity_id)
    DO UPDATE SET last_sequence = q.last_sequence + EXCLUDED.last_sequence
    RETURNING q.tenant_id, q.entity_type, q.entity_id, q.last_sequence
),
_ev_inserted AS (
    INSERT INTO {EVENTS} (tenant_id, type, entity_type, entity_id, sequence, payload)
    SELECT n.tenant_id, n.type, n.entity_type, n.entity_id, b.last_sequence - n.k + n.n,
           n.payload
      FROM _ev_numbered n
      JOIN _ev_bumped b USING (tenant_id, entity_type, entity_id)
     ORDER BY n.tenant_id, n.entity_type, n.entity_id, n.n
    RETURNING id
)"""  # noqa: S608


def event_ctes(source: str) -> str:
    """``WITH`` items (to follow the caller's own, after a comma) inserting one event per row
    of the CTE named ``source``, whose columns are ``tenant_id bigint, type text,
    entity_type text, entity_id bigint, payload jsonb``. The inserted ids are the CTE
    ``_ev_inserted``. Events of one entity in one statement get consecutive sequence numbers.
    ``source`` must be an identifier written in code, never input."""
    if not source.isidentifier():
        raise ValueError(f"not a CTE name: {source!r}")
    return _EVENT_CTES.format(source=source)


async def insert_events(
    session: AsyncSession, rows_sql: str, params: Mapping[str, Any] | None = None
) -> int:
    """Insert one event per row of the query ``rows_sql`` (columns as for :func:`event_ctes`),
    in one statement; return how many."""
    statement = _INSERTS.get(rows_sql)
    if statement is None:
        if len(_INSERTS) >= _MAX_INSERTS:
            _INSERTS.clear()  # bounded, though ``rows_sql`` is code: a handful of shapes
        statement = _INSERTS[rows_sql] = driver.Statement(
            text(
                f"WITH _ev_source ({SOURCE_COLUMNS}) AS ({rows_sql}),"  # noqa: S608
                f"{event_ctes('_ev_source')} SELECT count(*) FROM _ev_inserted"
            )
        )
    row = await driver.fetch_one(session, statement, dict(params or {}))
    return int(row[0]) if row else 0


# The statement for each ``rows_sql``, compiled once for the driver's connection (every
# accepted order raises an event through it).
_INSERTS: dict[str, driver.Statement] = {}
_MAX_INSERTS = 256


async def cursor_txid(session: AsyncSession, tenant_id: int, event_id: int) -> int | None:
    """The ``txid`` of the tenant's event ``event_id`` (None when it has no such event)."""
    found = await session.scalar(
        text(f"SELECT txid FROM {EVENTS} WHERE id = :id AND tenant_id = :tenant"),  # noqa: S608
        {"id": event_id, "tenant": tenant_id},
    )
    return None if found is None else int(found)


async def events_after(
    session: AsyncSession, tenant_id: int, after_txid: int, after_id: int, limit: int
) -> Sequence[Row[Any]]:
    """Up to ``limit`` of the tenant's events after position ``(after_txid, after_id)`` whose
    transactions are all finished, in ``(txid, id)`` order."""
    statement = text(
        "SELECT id, type, entity_type, entity_id, sequence, occurred_at, payload "  # noqa: S608
        f"FROM {EVENTS} WHERE tenant_id = :tenant AND (txid, id) > (:txid, :id) "
        f"AND txid < {HORIZON} ORDER BY txid, id LIMIT :limit"
    )
    params = {"tenant": tenant_id, "txid": after_txid, "id": after_id, "limit": limit}
    return (await session.execute(statement, params)).all()


async def latest_of_type(
    session: AsyncSession, tenant_id: int, event_type: str, limit: int
) -> Sequence[Row[Any]]:
    """The tenant's newest ``limit`` events of ``event_type`` about products, each with the
    product's name (NULL when the product is gone), newest first."""
    statement = text(
        "SELECT e.id, e.entity_id, e.occurred_at, e.payload, p.name "  # noqa: S608
        f"FROM {EVENTS} AS e LEFT JOIN products AS p "
        "ON e.entity_type = 'product' AND p.id = e.entity_id "
        "WHERE e.tenant_id = :tenant AND e.type = :type ORDER BY e.id DESC LIMIT :limit"
    )
    params = {"tenant": tenant_id, "type": event_type, "limit": limit}
    return (await session.execute(statement, params)).all()
