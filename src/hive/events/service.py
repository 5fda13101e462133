"""Raising and reading tenant events.

Writers raise events in the transaction of the change they describe: one at a time with
:func:`raise_tenant_event`, or for many tenants and entities in one ``INSERT … SELECT`` with
:func:`raise_tenant_events` (the pricing engine's "price changed" for every tenant whose library
holds a product) or, inside a caller's own set-based statement, with the ``WITH`` items of
:func:`event_ctes`. Readers call :func:`read_events` with the id of the last event they got
(0 at first); see :mod:`hive.events.repository` for why it can never skip an event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.events import repository
from hive.events.errors import InvalidTenantEvent, UnknownEventCursor
from hive.platform.validation import INT64_MAX, Problem

__all__ = [
    "EventType",
    "TenantEventRecord",
    "event_ctes",
    "raise_tenant_event",
    "raise_tenant_events",
    "read_events",
]

event_ctes = repository.event_ctes
MAX_PAGE = 500


class EventType(StrEnum):
    """The kinds of tenant event (the pull feed's and webhooks' ``type``)."""

    PRICE_CHANGED = "product.price_changed"
    ITEM_UNAVAILABLE = "library.item_unavailable"
    ITEM_AVAILABLE = "library.item_available"
    ORDER_STATUS_CHANGED = "order.status_changed"


@dataclass(frozen=True, slots=True)
class TenantEventRecord:
    """One event as a reader gets it; ``id`` is the cursor to pass back as ``after``."""

    id: int
    type: str
    entity_type: str
    entity_id: int
    sequence: int
    occurred_at: datetime
    payload: dict[str, Any]


async def raise_tenant_event(
    session: AsyncSession,
    tenant_id: int,
    type_: EventType | str,
    *,
    entity_type: str,
    entity_id: int,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Record one event for ``tenant_id`` in the caller's transaction, numbered after the
    entity's previous events. Raises :class:`InvalidTenantEvent` for an unknown type."""
    try:
        kind = EventType(type_)
    except ValueError:
        choices = ", ".join(EventType)
        raise InvalidTenantEvent([Problem("type", "not_a_choice", {"choices": choices})]) from None
    await repository.insert_events(
        session,
        "SELECT CAST(:tenant AS bigint), CAST(:type AS text), CAST(:entity_type AS text), "
        "CAST(:entity_id AS bigint), CAST(:payload AS jsonb)",
        {
            "tenant": tenant_id,
            "type": kind.value,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "payload": json.dumps(dict(payload or {}), ensure_ascii=False),
        },
    )


async def raise_tenant_events(
    session: AsyncSession, rows_sql: str, params: Mapping[str, Any] | None = None
) -> int:
    """Record one event per row of the SQL query ``rows_sql`` (columns ``tenant_id, type,
    entity_type, entity_id, payload``), for any number of tenants, in one statement; return
    how many. ``rows_sql`` is code, with every value a bound parameter in ``params``."""
    return await repository.insert_events(session, rows_sql, params)


async def read_events(
    session: AsyncSession, tenant_id: int, *, after: int = 0, limit: int = 100
) -> list[TenantEventRecord]:
    """The tenant's events after the event ``after`` (0: from the start), oldest first, at most
    ``limit`` (1…500). Events of transactions still in flight are held back until those
    finish. Raises :class:`UnknownEventCursor` when ``after`` is no event of the tenant."""
    problems = []
    if not 0 <= after <= INT64_MAX:
        problems.append(Problem("after", "too_small" if after < 0 else "too_large"))
    if not 1 <= limit <= MAX_PAGE:
        problems.append(Problem("limit", "too_large", {"max": MAX_PAGE}))
    if problems:
        raise InvalidTenantEvent(problems)
    after_txid = 0
    if after:
        found = await repository.cursor_txid(session, tenant_id, after)
        if found is None:
            raise UnknownEventCursor(details={"after": after})
        after_txid = found
    rows = await repository.events_after(session, tenant_id, after_txid, after, limit)
    return [TenantEventRecord(**row._asdict()) for row in rows]


@dataclass(frozen=True, slots=True)
class PriceChange:
    """A price change a tenant was told about: the product, its name, the price before (None
    when the event did not say) and after, in fen."""

    event_id: int
    product_id: int
    product_name: str
    occurred_at: datetime
    old_price_fen: int | None
    price_fen: int | None


async def recent_price_changes(
    session: AsyncSession, tenant_id: int, *, limit: int = 10
) -> list[PriceChange]:
    """The tenant's latest ``product.price_changed`` events (products of its library), newest
    first, at most ``limit`` (1…100)."""
    if not 1 <= limit <= 100:
        raise InvalidTenantEvent([Problem("limit", "too_large", {"max": 100})])
    rows = await repository.latest_of_type(session, tenant_id, EventType.PRICE_CHANGED.value, limit)
    return [
        PriceChange(
            event_id=row.id,
            product_id=row.entity_id,
            product_name=row.name or "",
            occurred_at=row.occurred_at,
            old_price_fen=_fen(row.payload.get("old_price_fen")),
            price_fen=_fen(row.payload.get("price_fen")),
        )
        for row in rows
    ]


def _fen(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
