"""From tenant events to deliveries: one delivery per (event, subscription).

Each live subscription (of an active app; a paused one too, so nothing is lost while it is
paused) keeps its own cursor into its tenant's events and reads on with the events' no-skip
rule (:mod:`hive.events.repository`: only events of finished transactions, in ``(txid, id)``
order). A batch is read, the events of the subscribed types become deliveries and the cursor
moves past the whole batch, in one transaction with the subscription row locked (``SKIP
LOCKED``: two dispatchers never read for one subscription at once). A delivery's body is fixed
here, so every attempt and replay sends the event as it was.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from sqlalchemy.engine import Row

from hive.platform.db import Database
from hive.webhooks import repository
from hive.webhooks.models import DeliveryStatus, WebhookSubscription


def event_body(event: Row[Any]) -> str:
    """The JSON body of an event (the pull feed's message shape): ``id`` (the event id),
    ``type``, ``entity_type``, ``entity_id``, ``sequence`` (1, 2, 3 … per entity),
    ``occurred_at`` (UTC, ISO 8601) and ``payload``."""
    occurred = event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    body = {
        "id": event.id,
        "type": event.type,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "sequence": event.sequence,
        "occurred_at": occurred,
        "payload": event.payload,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _delivery_row(subscription: WebhookSubscription, event: Row[Any]) -> dict[str, Any]:
    return {
        "tenant_id": subscription.tenant_id,
        "subscription_id": subscription.id,
        "event_id": event.id,
        "event_type": event.type,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "sequence": event.sequence,
        "body": event_body(event),
        "status": DeliveryStatus.PENDING.value,
        "attempt_count": 0,
        "round_attempts": 0,
    }


async def dispatch_events(database: Database, *, batch_size: int) -> int:
    """Create the deliveries of every event not yet dispatched, for every live subscription;
    return how many were created."""
    async with database.platform_transaction() as session:
        subscription_ids = await repository.subscriptions_to_dispatch(session)
    created = 0
    for subscription_id in subscription_ids:
        created += await dispatch_subscription(database, subscription_id, batch_size=batch_size)
    return created


async def dispatch_subscription(
    database: Database, subscription_id: int, *, batch_size: int
) -> int:
    """Read the subscription's tenant's events on from its cursor, batch by batch (one
    transaction each), until none is left; return the deliveries created."""
    created = 0
    while True:
        async with database.platform_transaction() as session:
            subscription = await repository.lock_for_dispatch(session, subscription_id)
            if subscription is None:
                return created
            events = await repository.events_after(
                session,
                subscription.tenant_id,
                subscription.cursor_txid,
                subscription.cursor_event_id,
                batch_size,
            )
            if not events:
                return created
            wanted = set(subscription.event_types)
            rows = [_delivery_row(subscription, e) for e in events if e.type in wanted]
            created += await repository.insert_deliveries(session, rows)
            subscription.cursor_txid, subscription.cursor_event_id = events[-1].txid, events[-1].id
        if len(events) < batch_size:
            return created
