"""Statements sent straight on the driver's (psycopg's) connection of a unit of work.

For the few hot statements of the order path (accepting an order, freezing its money): each
went through SQLAlchemy's per-statement machinery — a greenlet switch, the execution context,
the compiled-statement cache, result processing — which cost about as much CPU as psycopg's
own work for the statement (measured: ~330 µs against ~190 µs per single-row INSERT on a
loaded 2-core machine). Here the repositories keep their SQL (a SQLAlchemy statement, compiled
once for psycopg into the very text SQLAlchemy would send) and it runs on the connection of
the session's transaction: same transaction, same role and tenant (row-level security), same
statement timeout.

What this does not do, by design: bind processing. A statement whose parameters need it (JSON,
enums, expanding ``IN``) is refused when first compiled; its caller passes values psycopg
adapts itself (``psycopg.types.json.Jsonb`` for JSON). Pending ORM changes of the session are
flushed first, as SQLAlchemy's autoflush would. Errors are raised as SQLAlchemy raises them
(``IntegrityError``, ``ProgrammingError`` … wrapping psycopg's), so callers catch the same.

Every statement goes out through :func:`send`, and every statement queued on a pipeline
(a unit of work's BEGIN and role, the Open API's admission) through :func:`queue`: the order
benchmark records both there to replay the same SQL in its baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.engine import Compiled
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement

_DIALECT = psycopg_dialect.dialect()  # type: ignore[no-untyped-call]
_CONNECTION = "hive.driver.connection"

Row = tuple[Any, ...]


class Statement:
    """A SQLAlchemy statement compiled once for psycopg (the text SQLAlchemy would send), with
    the constants it binds itself (``x >= 0`` binds ``0``)."""

    __slots__ = ("_constants", "sql")

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None):
        compiled = statement.compile(
            dialect=_DIALECT, column_keys=list(column_keys) if column_keys else None
        )
        _refuse_processing(compiled)
        self.sql: str = compiled.string
        self._constants = {
            name: bind.value
            for bind, name in compiled.bind_names.items()  # type: ignore[attr-defined]
            if not bind.required and bind.callable is None
        }

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {**self._constants, **values}


def _refuse_processing(compiled: Compiled) -> None:
    for bind in compiled.bind_names:  # type: ignore[attr-defined]
        processor = bind.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
        if bind.expanding or processor is not None:
            raise ValueError(f"parameter {bind.key!r} needs SQLAlchemy's processing")


async def connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection of ``session``'s current transaction (begun if it is not), the
    session's pending ORM changes flushed."""
    if session.new or session.deleted or session.dirty:
        await session.flush()
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_CONNECTION)
    if transaction is not None and known is not None and known[0] is transaction:
        raw: psycopg.AsyncConnection[Any] = known[1]
        return raw
    connected = await session.connection()
    driver_connection = (await connected.get_raw_connection()).driver_connection
    assert driver_connection is not None  # a checked-out connection has its driver's
    session.info[_CONNECTION] = (session.sync_session.get_transaction(), driver_connection)
    return driver_connection  # type: ignore[no-any-return]


async def send(
    raw: psycopg.AsyncConnection[Any], sql: str, params: Mapping[str, Any]
) -> psycopg.AsyncCursor[Any]:
    """Execute one statement; its cursor, for the rows it returns."""
    try:
        return await raw.execute(sql, params)
    except psycopg.Error as error:
        raise DBAPIError.instance(sql, params, error, psycopg.Error) from error


async def queue(
    raw: psycopg.AsyncConnection[Any], sql: str, params: Mapping[str, Any] | None = None
) -> psycopg.AsyncCursor[Any]:
    """Queue one statement on ``raw``'s pipeline (transaction control, roles, the admission);
    its cursor, read once the pipeline is sent. psycopg's errors as they are (they surface when
    the pipeline is sent, where their callers expect psycopg's)."""
    return await raw.execute(sql, params)


async def fetch_all(
    session: AsyncSession, statement: Statement, values: Mapping[str, Any]
) -> list[Row]:
    cursor = await send(await connection(session), statement.sql, statement.parameters(values))
    return await cursor.fetchall()


async def fetch_one(
    session: AsyncSession, statement: Statement, values: Mapping[str, Any]
) -> Row | None:
    """The statement's first row (None when it returned none)."""
    cursor = await send(await connection(session), statement.sql, statement.parameters(values))
    return await cursor.fetchone()


async def execute(session: AsyncSession, statement: Statement, values: Mapping[str, Any]) -> None:
    await send(await connection(session), statement.sql, statement.parameters(values))
