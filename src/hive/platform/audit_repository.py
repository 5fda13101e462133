"""All SQL that reads the audit log (the page that filters it by actor, action and entity)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.audit import AuditEntry

COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Each field narrows the log when set: the actor's username, the action, the kind of
    entity and its id (all exact), and the time range ``since`` (included) to ``until``
    (excluded)."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(statement: Select[Any], f: AuditFilter) -> Select[Any]:
    if f.actor:
        statement = statement.where(AuditEntry.actor_name == f.actor)
    if f.action:
        statement = statement.where(AuditEntry.action == f.action)
    if f.target_type:
        statement = statement.where(AuditEntry.target_type == f.target_type)
    if f.target_id:
        statement = statement.where(AuditEntry.target_id == f.target_id)
    if f.since:
        statement = statement.where(AuditEntry.occurred_at >= f.since)
    if f.until:
        statement = statement.where(AuditEntry.occurred_at < f.until)
    return statement


def entries_statement(f: AuditFilter, *, newest_first: bool = True) -> Select[Any]:
    """Every matching row (one ``AuditEntry`` a row), in time order; for a page or an export."""
    order = AuditEntry.id.desc() if newest_first else AuditEntry.id.asc()
    return _filtered(select(AuditEntry), f).order_by(order)


async def list_entries(
    session: AsyncSession, f: AuditFilter, *, limit: int, offset: int, newest_first: bool = True
) -> Sequence[AuditEntry]:
    statement = entries_statement(f, newest_first=newest_first).limit(limit).offset(offset)
    entries: Sequence[AuditEntry] = (await session.scalars(statement)).all()
    return entries


async def count_entries(session: AsyncSession, f: AuditFilter) -> int:
    """Matching rows, counted up to :data:`COUNT_CAP`."""
    capped = _filtered(select(AuditEntry), f).limit(COUNT_CAP).subquery()
    return int(await session.scalar(select(func.count()).select_from(capped)) or 0)


async def known_values(session: AsyncSession) -> tuple[list[str], list[str]]:
    """The actions and entity kinds the log holds (the page's filter choices)."""
    # select(col).distinct(), not select(distinct(col)): the latter is a unary DISTINCT
    # outside an aggregate, which SQLAlchemy warns about (pytest turns it into an error).
    actions = await session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    )
    kinds = await session.scalars(
        select(AuditEntry.target_type).distinct().order_by(AuditEntry.target_type)
    )
    return list(actions.all()), list(kinds.all())
