"""All SQL of webhooks: subscriptions, the dispatcher's reads of tenant events, claiming due
deliveries, and the delivery log.

Claiming (:func:`claim_due`) is one statement: due deliveries of active endpoints whose breaker
is not open, none of which has an earlier event of its entity still pending for its
subscription, or not even dispatched to it yet (per-entity order: a transaction that took an
entity's next sequence number may commit before an older transaction that took the one after,
so the later number can become readable first), at most ``endpoint_cap`` in flight per endpoint
(one, the probe, while its breaker is half-open), locked with ``SKIP LOCKED`` together with
their subscription rows so two workers never claim the same delivery or probe an endpoint
twice; each gets a lease, after which another worker may take it again (a worker that died).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hive.events.repository import HORIZON
from hive.openapi.models import AppStatus, OpenApp
from hive.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookNotice,
    WebhookSubscription,
)

_LIVE = (SubscriptionStatus.ACTIVE.value, SubscriptionStatus.PAUSED.value)


async def lock_all_subscriptions(session: AsyncSession) -> Sequence[WebhookSubscription]:
    """Every subscription of every tenant (deleted ones too), locked for rewriting, by id."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.id).with_for_update()
    return (await session.scalars(query)).all()


async def add_subscription(session: AsyncSession, subscription: WebhookSubscription) -> None:
    session.add(subscription)
    await session.flush()


async def count_live(session: AsyncSession, app_id: int) -> int:
    statement = select(func.count()).where(
        WebhookSubscription.app_id == app_id, WebhookSubscription.status.in_(_LIVE)
    )
    return int(await session.scalar(statement) or 0)


async def list_subscriptions(
    session: AsyncSession, tenant_id: int, app_id: int | None = None
) -> Sequence[WebhookSubscription]:
    statement = select(WebhookSubscription).where(
        WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.status.in_(_LIVE)
    )
    if app_id is not None:
        statement = statement.where(WebhookSubscription.app_id == app_id)
    return (await session.scalars(statement.order_by(WebhookSubscription.id))).all()


async def secret_of(session: AsyncSession, subscription_id: int, app_id: int) -> bytes | None:
    """The encrypted secret of one of ``app_id``'s subscriptions, whatever its status."""
    found: bytes | None = await session.scalar(
        select(WebhookSubscription.secret_ciphertext).where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.app_id == app_id
        )
    )
    return found


async def find_subscription(
    session: AsyncSession, subscription_id: int, *, lock: bool = False
) -> WebhookSubscription | None:
    """A live subscription (row-level security hides other tenants' in tenant transactions)."""
    statement = select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.status.in_(_LIVE)
    )
    if lock:
        statement = statement.with_for_update()
    found: WebhookSubscription | None = await session.scalar(statement)
    return found


async def visible_end(session: AsyncSession, tenant_id: int) -> tuple[int, int]:
    """The position ``(txid, id)`` of the tenant's last event a reader can see now ((0, 0):
    none): a new subscription reads on from here, so it gets events from its creation on."""
    row = (
        await session.execute(
            text(
                "SELECT txid, id FROM tenant_events WHERE tenant_id = :tenant "  # noqa: S608
                f"AND txid < {HORIZON} ORDER BY txid DESC, id DESC LIMIT 1"
            ),
            {"tenant": tenant_id},
        )
    ).first()
    return (int(row.txid), int(row.id)) if row else (0, 0)


async def app_of_tenant(session: AsyncSession, app_id: int, tenant_id: int) -> OpenApp | None:
    """The tenant's active app ``app_id``."""
    found: OpenApp | None = await session.scalar(
        select(OpenApp).where(
            OpenApp.id == app_id,
            OpenApp.tenant_id == tenant_id,
            OpenApp.status == AppStatus.ACTIVE.value,
        )
    )
    return found


async def cancel_pending(session: AsyncSession, subscription_id: int, now: datetime) -> None:
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.CANCELLED.value, leased_until=None, updated_at=now)
    )


async def send_pending_now(session: AsyncSession, subscription_id: int, now: datetime) -> None:
    """Every pending delivery of the subscription is due at once (after a resume)."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(next_attempt_at=now)
    )


async def add_notice(
    session: AsyncSession, subscription: WebhookSubscription, kind: str, details: dict[str, Any]
) -> None:
    session.add(
        WebhookNotice(
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            kind=kind,
            details=details,
        )
    )
    await session.flush()


async def resolve_notices(session: AsyncSession, subscription_id: int, now: datetime) -> None:
    await session.execute(
        update(WebhookNotice)
        .where(
            WebhookNotice.subscription_id == subscription_id, WebhookNotice.resolved_at.is_(None)
        )
        .values(resolved_at=now)
    )


async def open_notices(session: AsyncSession, tenant_id: int) -> Sequence[Row[WebhookNotice, str]]:
    """The tenant's unresolved notices with their endpoint's URL, newest first."""
    statement = (
        select(WebhookNotice, WebhookSubscription.url)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookNotice.subscription_id)
        .where(WebhookNotice.tenant_id == tenant_id, WebhookNotice.resolved_at.is_(None))
        .order_by(WebhookNotice.id.desc())
    )
    return (await session.execute(statement)).all()


# --- dispatch --------------------------------------------------------------------------------


async def subscriptions_to_dispatch(session: AsyncSession) -> list[int]:
    """Live subscriptions of active apps (a paused one still collects its deliveries) whose
    tenant has a readable event after their cursor: an idle platform costs one query."""
    statement = text(
        "SELECT s.id FROM webhook_subscriptions s JOIN open_apps a ON a.id = s.app_id "  # noqa: S608
        "WHERE s.status IN ('active', 'paused') AND a.status = 'active' AND EXISTS ("
        " SELECT 1 FROM tenant_events t WHERE t.tenant_id = s.tenant_id"
        " AND (t.txid, t.id) > (s.cursor_txid, s.cursor_event_id)"
        f" AND t.txid < {HORIZON}) ORDER BY s.id"
    )
    return [int(row.id) for row in (await session.execute(statement)).all()]


async def lock_for_dispatch(
    session: AsyncSession, subscription_id: int
) -> WebhookSubscription | None:
    """The live subscription, locked; None when it is gone or another dispatcher holds it."""
    statement = (
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.status.in_(_LIVE))
        .with_for_update(skip_locked=True)
    )
    found: WebhookSubscription | None = await session.scalar(statement)
    return found


async def events_after(
    session: AsyncSession, tenant_id: int, after_txid: int, after_id: int, limit: int
) -> Sequence[Row[Any]]:
    """The tenant's events after ``(after_txid, after_id)`` whose transactions have all
    finished, in ``(txid, id)`` order (the reading rule of :mod:`hive.events.repository`)."""
    statement = text(
        "SELECT id, txid, type, entity_type, entity_id, sequence, occurred_at, payload "  # noqa: S608
        "FROM tenant_events WHERE tenant_id = :tenant AND (txid, id) > (:txid, :id) "
        f"AND txid < {HORIZON} ORDER BY txid, id LIMIT :limit"
    )
    params = {"tenant": tenant_id, "txid": after_txid, "id": after_id, "limit": limit}
    return (await session.execute(statement, params)).all()


async def insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert deliveries (one per event and subscription; an existing one is kept)."""
    if not rows:
        return 0
    statement = (
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    return len((await session.execute(statement)).all())


# --- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery claimed for one attempt, with what sending it needs."""

    delivery_id: int
    uid: UUID
    tenant_id: int
    subscription_id: int
    event_type: str
    body: str
    url: str
    secret_ciphertext: bytes


_CLAIM = """
WITH candidates AS (
    SELECT d.id, d.next_attempt_at,
           row_number() OVER (PARTITION BY d.subscription_id
                              ORDER BY d.next_attempt_at, d.id) AS n,
           CASE WHEN s.consecutive_failures >= :threshold THEN 1 ELSE :cap END
             - (SELECT count(*) FROM webhook_deliveries f
                 WHERE f.subscription_id = d.subscription_id AND f.status = 'pending'
                   AND f.leased_until > :now) AS room
      FROM webhook_deliveries d
      JOIN webhook_subscriptions s ON s.id = d.subscription_id
      JOIN open_apps a ON a.id = s.app_id
     WHERE d.status = 'pending' AND d.next_attempt_at <= :now
       AND (d.leased_until IS NULL OR d.leased_until <= :now)
       AND s.status = 'active' AND a.status = 'active'
       AND (s.breaker_open_until IS NULL OR s.breaker_open_until <= :now)
       AND NOT EXISTS (
           SELECT 1 FROM webhook_deliveries e
            WHERE e.subscription_id = d.subscription_id AND e.status = 'pending'
              AND e.entity_type = d.entity_type AND e.entity_id = d.entity_id
              AND e.sequence < d.sequence)
       AND NOT EXISTS (
           SELECT 1 FROM tenant_events t
            WHERE t.tenant_id = d.tenant_id AND t.entity_type = d.entity_type
              AND t.entity_id = d.entity_id AND t.sequence < d.sequence
              AND t.type = ANY(s.event_types)
              AND (t.txid, t.id) > (s.cursor_txid, s.cursor_event_id))
),
chosen AS (
    SELECT id FROM candidates WHERE n <= room ORDER BY next_attempt_at, id LIMIT :limit
),
locked AS (
    SELECT d.id FROM webhook_deliveries d
      JOIN chosen USING (id)
      JOIN webhook_subscriptions s ON s.id = d.subscription_id
     WHERE d.status = 'pending'
       FOR UPDATE OF d, s SKIP LOCKED
)
UPDATE webhook_deliveries d SET leased_until = :lease_until
  FROM locked, webhook_subscriptions s
 WHERE d.id = locked.id AND s.id = d.subscription_id
RETURNING d.id, d.uid, d.tenant_id, d.subscription_id, d.event_type, d.body, s.url,
          s.secret_ciphertext
"""


async def claim_due(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int,
    lease_until: datetime,
    endpoint_cap: int,
    breaker_threshold: int,
    probe_until: datetime,
) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries (see the module's docstring). An endpoint whose
    breaker is half-open gets one probe, and its breaker is held open until ``probe_until``
    while the probe runs."""
    params = {
        "now": now,
        "limit": limit,
        "lease_until": lease_until,
        "cap": endpoint_cap,
        "threshold": breaker_threshold,
    }
    rows = (await session.execute(text(_CLAIM), params)).all()
    claimed = [Claimed(*row) for row in rows]
    if claimed:
        await session.execute(
            update(WebhookSubscription)
            .where(
                WebhookSubscription.id.in_({c.subscription_id for c in claimed}),
                WebhookSubscription.consecutive_failures >= breaker_threshold,
            )
            .values(breaker_open_until=probe_until)
        )
    return claimed


async def add_attempt(session: AsyncSession, attempt: WebhookAttempt) -> None:
    session.add(attempt)
    await session.flush()


async def lock_delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery | None:
    found: WebhookDelivery | None = await session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    return found


async def lock_subscription_row(
    session: AsyncSession, subscription_id: int
) -> WebhookSubscription | None:
    """The subscription whatever its status (the sender records on a deleted one too)."""
    found: WebhookSubscription | None = await session.scalar(
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .with_for_update()
    )
    return found


# --- the delivery log ------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession, subscription_id: int, *, limit: int, offset: int
) -> tuple[int, Sequence[WebhookDelivery]]:
    where = WebhookDelivery.subscription_id == subscription_id
    total = int(await session.scalar(select(func.count()).where(where)) or 0)
    rows = await session.scalars(
        select(WebhookDelivery)
        .where(where)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, rows.all()


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> Sequence[WebhookAttempt]:
    if not delivery_ids:
        return []
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    return rows.all()


async def find_delivery(
    session: AsyncSession, delivery_id: int, *, lock: bool = False
) -> WebhookDelivery | None:
    statement = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if lock:
        statement = statement.with_for_update()
    found: WebhookDelivery | None = await session.scalar(statement)
    return found


async def forget_finished_deliveries(session: AsyncSession, before: datetime) -> int:
    """Delete deliveries finished (delivered, dead, cancelled) before ``before``, with their
    attempts; return how many."""
    result = await session.execute(
        text("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < :before"),
        {"before": before},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- failing endpoints (the dashboards) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailingEndpoint:
    """A live endpoint that is paused, or whose deliveries died in the window or are being
    retried after failures, with how many and the last failure."""

    subscription_id: int
    tenant_id: int
    url: str
    status: str
    failing_since: datetime | None
    paused_at: datetime | None
    dead: int  # deliveries dead-lettered in the window
    retrying: int  # deliveries pending after at least one failed attempt
    last_status_code: int | None
    last_error: str | None


# Deliveries in trouble come from two partial indexes: pending ones (``ix_webhook_deliveries_due``)
# and those dead since ``since`` (``ix_webhook_deliveries_dead_at``, migration 0032), so the
# statement reads neither the delivered history nor older dead letters.
_FAILING = text(
    """
    WITH trouble AS (
        SELECT subscription_id,
               count(*) FILTER (WHERE status = 'dead') AS dead,
               count(*) FILTER (WHERE status = 'pending') AS retrying,
               (array_agg(last_status_code ORDER BY updated_at DESC))[1] AS last_status_code,
               (array_agg(last_error ORDER BY updated_at DESC))[1] AS last_error
          FROM webhook_deliveries
         WHERE (status = 'dead' AND dead_at >= :since)
            OR (status = 'pending' AND round_attempts > 0)
         GROUP BY subscription_id
    )
    SELECT s.id, s.tenant_id, s.url, s.status, s.failing_since, s.paused_at,
           coalesce(t.dead, 0), coalesce(t.retrying, 0), t.last_status_code, t.last_error
      FROM webhook_subscriptions s
      LEFT JOIN trouble t ON t.subscription_id = s.id
     WHERE s.status IN ('active', 'paused')
       AND (s.status = 'paused' OR t.subscription_id IS NOT NULL)
       AND (CAST(:tenant_id AS bigint) IS NULL OR s.tenant_id = :tenant_id)
     ORDER BY (s.status = 'paused') DESC, coalesce(t.dead, 0) DESC, s.id
     LIMIT :limit
    """
)


async def failing_endpoints(
    session: AsyncSession, *, since: datetime, tenant_id: int | None, limit: int
) -> list[FailingEndpoint]:
    """Failing endpoints (of one tenant, or of all: ``tenant_id`` None), paused ones first."""
    params = {"since": since, "tenant_id": tenant_id, "limit": limit}
    rows = await session.execute(_FAILING, params)
    return [FailingEndpoint(*row) for row in rows.all()]


# --- an app's deliveries (the Open API's delivery log) ----------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    tenant_id: int
    app_id: int
    subscription_id: int | None = None
    status: str | None = None
    event_type: str | None = None


def _app_deliveries(where: DeliveryFilter) -> Any:
    """The app's deliveries to its live subscriptions, narrowed by the filter's fields."""
    statement = (
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.tenant_id == where.tenant_id,
            WebhookSubscription.app_id == where.app_id,
            WebhookSubscription.status.in_(_LIVE),
        )
    )
    if where.subscription_id is not None:
        statement = statement.where(WebhookDelivery.subscription_id == where.subscription_id)
    if where.status is not None:
        statement = statement.where(WebhookDelivery.status == where.status)
    if where.event_type is not None:
        statement = statement.where(WebhookDelivery.event_type == where.event_type)
    return statement


async def list_app_deliveries(
    session: AsyncSession, where: DeliveryFilter, *, limit: int, offset: int
) -> tuple[int, Sequence[WebhookDelivery]]:
    """(How many match, one page of them newest first)."""
    matching = _app_deliveries(where)
    total = int(await session.scalar(select(func.count()).select_from(matching.subquery())) or 0)
    rows = await session.scalars(
        matching.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)
    )
    return total, rows.all()


async def find_app_delivery(
    session: AsyncSession, where: DeliveryFilter, delivery_id: int
) -> WebhookDelivery | None:
    found: WebhookDelivery | None = await session.scalar(
        _app_deliveries(where).where(WebhookDelivery.id == delivery_id)
    )
    return found
