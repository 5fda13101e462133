"""All SQL of the raw supplier message log (table ``supplier_messages``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from sqlalchemy import BigInteger, Select, case, cast, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.models import SupplierMessageLog
from hive.platform.sql_json import json_document
from hive.suppliers.types import SupplierMessage

# Batched so one nightly purge never holds locks on a whole month of rows at once.
PURGE_BATCH_SQL: LiteralString = """
WITH gone AS (
    DELETE FROM supplier_messages
    WHERE id IN (
        SELECT id FROM supplier_messages
        WHERE received_at < now() - make_interval(days => %(days)s::int)
        LIMIT %(batch)s
    )
    RETURNING 1
)
SELECT count(*) AS deleted FROM gone
"""


# A whole batch as one JSON document (one parameter); rows go in message-id order. Only the
# ids already logged come back (usually none), not every inserted one.
INSERT_BATCH_SQL = text("""
WITH m AS (
    SELECT r ->> 0 AS message_id, CAST(r ->> 1 AS integer) AS type,
           CAST(r ->> 2 AS timestamptz) AS occurred_at, r ->> 3 AS status, r -> 4 AS raw
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r
), inserted AS (
    INSERT INTO supplier_messages (supplier_id, message_id, type, occurred_at, status, error, raw)
    SELECT :supplier_id, m.message_id, m.type, m.occurred_at, m.status, '', m.raw
    FROM m ORDER BY m.message_id
    ON CONFLICT (supplier_id, message_id) DO NOTHING
    RETURNING message_id
)
SELECT m.message_id FROM m WHERE m.message_id NOT IN (SELECT message_id FROM inserted)
""")


@dataclass(frozen=True, slots=True)
class LogFilter:
    supplier_id: int | None = None
    type: int | None = None
    status: str | None = None


def stored_raw(message: SupplierMessage) -> dict[str, Any]:
    """What the log keeps of a message: the supplier's original, else our payload (JSON-safe)."""
    source: Mapping[str, Any] = message.raw or {"payload": dict(message.payload)}
    loaded: dict[str, Any] = json.loads(json.dumps(dict(source), default=str))
    return loaded


async def insert_message(
    session: AsyncSession, supplier_id: int, message: SupplierMessage, *, status: str, error: str
) -> bool:
    """Insert the log row unless (supplier, message id) is already there; True if inserted.

    A concurrent insert of the same key waits here until the other transaction ends, so two
    consumers never both process one message.
    """
    statement = (
        insert(SupplierMessageLog)
        .values(
            supplier_id=supplier_id,
            message_id=message.message_id,
            type=int(message.type),
            occurred_at=message.occurred_at,
            status=status,
            error=error,
            raw=stored_raw(message),
        )
        .on_conflict_do_nothing(index_elements=["supplier_id", "message_id"])
        .returning(SupplierMessageLog.id)
    )
    return (await session.scalar(statement)) is not None


async def insert_messages(
    session: AsyncSession,
    supplier_id: int,
    messages: Sequence[SupplierMessage],
    statuses: Mapping[str, str],
) -> set[str]:
    """Insert the log rows of ``messages`` that are not there yet; returns the inserted ids.

    Rows go in in message-id order, so two consumers inserting overlapping batches wait for
    each other instead of deadlocking.
    """
    if not messages:
        return set()
    rows = [
        [
            m.message_id,
            int(m.type),
            m.occurred_at.isoformat(),
            statuses[m.message_id],
            m.raw or {"payload": m.payload},
        ]
        for m in messages
    ]
    params = {"supplier_id": supplier_id, "rows": json_document(rows)}
    logged = set((await session.scalars(INSERT_BATCH_SQL, params)).all())
    return {m.message_id for m in messages} - logged


async def lock_messages(
    session: AsyncSession, supplier_id: int, message_ids: Sequence[str]
) -> Sequence[SupplierMessageLog]:
    if not message_ids:
        return []
    statement = (
        select(SupplierMessageLog)
        .where(
            SupplierMessageLog.supplier_id == supplier_id,
            SupplierMessageLog.message_id.in_(list(message_ids)),
        )
        .order_by(SupplierMessageLog.message_id)
        .with_for_update()
    )
    return (await session.scalars(statement)).all()


async def lock_message(
    session: AsyncSession, supplier_id: int, message_id: str
) -> SupplierMessageLog | None:
    return await session.scalar(
        select(SupplierMessageLog)
        .where(
            SupplierMessageLog.supplier_id == supplier_id,
            SupplierMessageLog.message_id == message_id,
        )
        .with_for_update()
    )


def _filtered(statement: Select[Any], log_filter: LogFilter) -> Select[Any]:
    if log_filter.supplier_id is not None:
        statement = statement.where(SupplierMessageLog.supplier_id == log_filter.supplier_id)
    if log_filter.type is not None:
        statement = statement.where(SupplierMessageLog.type == log_filter.type)
    if log_filter.status is not None:
        statement = statement.where(SupplierMessageLog.status == log_filter.status)
    return statement


# A message id as a number when it is one (VOP's are), so 9 sorts before 30; others are NULL
# and sort after the numbers, by their text.
_NUMERIC_MESSAGE_ID = case(
    (
        SupplierMessageLog.message_id.regexp_match("^[0-9]{1,18}$"),
        cast(SupplierMessageLog.message_id, BigInteger),
    ),
    else_=None,
)


def messages_statement(
    log_filter: LogFilter, *, by_message_id: bool = False, descending: bool = True
) -> Select[Any]:
    """Every matching row (one ``SupplierMessageLog`` a row), by time received (then message
    id) or by message id; for a page or an export."""
    keys: list[Any] = [
        _NUMERIC_MESSAGE_ID,
        SupplierMessageLog.message_id,
        SupplierMessageLog.id,
    ]
    if not by_message_id:
        keys.insert(0, SupplierMessageLog.received_at)
    ordered = [key.desc().nulls_last() if descending else key.asc().nulls_last() for key in keys]
    return _filtered(select(SupplierMessageLog), log_filter).order_by(*ordered)


async def list_messages(
    session: AsyncSession,
    log_filter: LogFilter,
    *,
    limit: int,
    offset: int,
    by_message_id: bool = False,
    descending: bool = True,
) -> Sequence[SupplierMessageLog]:
    """One page of matching rows, by time received (then message id) or by message id."""
    statement = messages_statement(log_filter, by_message_id=by_message_id, descending=descending)
    return (await session.scalars(statement.limit(limit).offset(offset))).all()


async def count_messages(session: AsyncSession, log_filter: LogFilter, *, cap: int) -> int:
    """The number of matching rows, counted no further than ``cap`` (a month can be millions)."""
    capped = _filtered(select(SupplierMessageLog.id), log_filter).limit(cap).subquery()
    return int(await session.scalar(select(func.count()).select_from(capped)) or 0)


async def purge_messages(connector: Any, *, older_than_days: int, batch: int) -> int:
    """Delete log rows received more than ``older_than_days`` ago; returns how many.

    Runs on procrastinate's connector (a job has no SQLAlchemy session), batch by batch.
    """
    total = 0
    while True:
        row = await connector.execute_query_one_async(
            PURGE_BATCH_SQL, days=older_than_days, batch=batch
        )
        deleted = int(row["deleted"])
        total += deleted
        if deleted < batch:
            return total


async def feed_health(session: AsyncSession, since: datetime) -> tuple[datetime | None, int]:
    """The newest message's time of receipt and how many failed since ``since``."""
    newest = await session.scalar(select(func.max(SupplierMessageLog.received_at)))
    failing = await session.scalar(
        select(func.count()).where(
            SupplierMessageLog.received_at >= since,
            SupplierMessageLog.status.in_(("failed", "gave_up")),
        )
    )
    return newest, int(failing or 0)
