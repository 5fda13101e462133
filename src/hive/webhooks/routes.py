"""The Open API's webhook routes: ``GET/POST /open/v1/webhooks``,
``GET/DELETE /open/v1/webhooks/{webhook_id}`` and the delivery log,
``GET /open/v1/webhooks/deliveries[/{delivery_id}]`` (scope ``webhooks:manage``). An app sees and
manages its own subscriptions and their deliveries; any other id — another app's, another
tenant's — is ``webhook_not_found`` / ``webhook_delivery_not_found`` (404)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.events.service import EventType
from hive.openapi.gateway import OpenSession, WebhooksManager
from hive.openapi.idempotency import REPLAYED, idempotent
from hive.openapi.responses import ERROR_RESPONSES
from hive.openapi.service import app_actor
from hive.platform.crypto import SecretBox
from hive.platform.secret_key import load_secret_box
from hive.platform.validation import INT64_MAX
from hive.webhooks import service
from hive.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from hive.webhooks.repository import DeliveryFilter
from hive.webhooks.schemas import (
    AttemptOut,
    DeliveriesOut,
    DeliveryDetailOut,
    DeliveryOut,
    SubscriptionCreate,
    WebhookCreated,
    WebhookDeleted,
    WebhookOut,
    WebhooksOut,
)
from hive.webhooks.sender import policy_of

router = APIRouter(prefix="/open/v1", tags=["webhooks"], responses=ERROR_RESPONSES)
WebhookId = Annotated[int, Path(ge=1, le=INT64_MAX)]
DeliveryId = Annotated[int, Path(ge=1, le=INT64_MAX)]
MAX_DELIVERIES_PAGE_SIZE = 100


def _out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut(
        id=subscription.id,
        url=subscription.url,
        event_types=list(subscription.event_types),
        status=subscription.status,
        created_at=subscription.created_at,
    )


def _box(request: Request) -> SecretBox:
    box = getattr(request.app.state, "webhook_box", None)
    if box is None:
        box = request.app.state.webhook_box = load_secret_box(request.app.state.settings)
    return box


@router.get("/webhooks", response_model=WebhooksOut)
async def list_webhooks(caller: WebhooksManager, session: OpenSession) -> WebhooksOut:
    """The calling app's webhook subscriptions, oldest first. Scope ``webhooks:manage``."""
    found = await service.list_subscriptions(
        session, app_actor(caller), caller.tenant_id, app_id=caller.app_id
    )
    return WebhooksOut(items=[_out(s) for s in found])


@router.post("/webhooks", response_model=WebhookCreated, status_code=201)
async def create_webhook(
    request: Request, body: SubscriptionCreate, caller: WebhooksManager, session: OpenSession
) -> Response:
    """Subscribe the calling app to ``event_types`` at ``url`` (https; refused with
    ``webhook_url_invalid`` or, for a host that is or resolves to a private, loopback or
    link-local address, ``webhook_target_refused``). The answer carries the signing ``secret``
    once. Scope ``webhooks:manage``."""
    settings = request.app.state.settings
    box = _box(request)
    limits = service.Limits(policy_of(settings), settings.webhook_max_subscriptions_per_app)

    async def answer() -> WebhookOut:
        issued = await service.create_subscription(
            session, app_actor(caller), caller.tenant_id, caller.app_id, body, box, limits
        )
        return _out(issued.subscription)

    response = await idempotent(request, caller, session, answer, status_code=201)
    return await _with_secret(response, session, caller.app_id, box)


async def _with_secret(
    response: Response, session: AsyncSession, app_id: int, box: SecretBox
) -> Response:
    """A creation's answer (the first or its replay) with the subscription's signing secret,
    read from the subscription itself. The idempotency record keeps no secret, sealed or clear
    (records stored before kept a ``sealed_secret``: dropped, the row's is used): the one copy
    at rest is the subscription's, which ``hive reencrypt-secrets`` rewrites under a new key, so
    a replay after a key rotation still answers what the first answer did (the secret of a
    subscription never changes)."""
    if response.status_code != 201:
        return response
    content = json.loads(bytes(response.body))
    content.pop("sealed_secret", None)
    ciphertext = await service.secret_ciphertext(session, content["id"], app_id=app_id)
    content["secret"] = box.decrypt(ciphertext).decode()
    headers = {REPLAYED: "true"} if response.headers.get(REPLAYED) else None
    body = WebhookCreated.model_validate(content).model_dump_json()
    return Response(body, status_code=201, media_type="application/json", headers=headers)


def _delivery_fields(delivery: WebhookDelivery) -> dict[str, object]:
    pending = delivery.status == DeliveryStatus.PENDING.value
    return {
        "id": delivery.id,
        "uid": str(delivery.uid),
        "endpoint_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "entity_type": delivery.entity_type,
        "entity_id": delivery.entity_id,
        "sequence": delivery.sequence,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": delivery.next_attempt_at if pending else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "dead_at": delivery.dead_at,
        "dead_reason": delivery.dead_reason,
        "created_at": delivery.created_at,
    }


# Declared before /webhooks/{webhook_id}, whose id would otherwise catch "deliveries".
@router.get("/webhooks/deliveries", response_model=DeliveriesOut)
async def list_deliveries(
    caller: WebhooksManager,
    session: OpenSession,
    endpoint_id: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
    status: DeliveryStatus | None = None,
    event_type: EventType | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_DELIVERIES_PAGE_SIZE)] = 20,
) -> DeliveriesOut:
    """Deliveries to the calling app's endpoints, newest first: each event for each endpoint
    with its status and latest answer. Filters: ``endpoint_id`` (one of your webhooks, else
    ``webhook_not_found``), ``status`` (``pending``, ``delivered``, ``dead``, ``cancelled``),
    ``event_type``. Scope ``webhooks:manage``."""
    where = DeliveryFilter(
        tenant_id=caller.tenant_id,
        app_id=caller.app_id,
        subscription_id=endpoint_id,
        status=status.value if status else None,
        event_type=event_type.value if event_type else None,
    )
    total, found = await service.app_deliveries(
        session, app_actor(caller), where, page=page, page_size=page_size
    )
    return DeliveriesOut(
        items=[DeliveryOut.model_validate(_delivery_fields(d)) for d in found],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get("/webhooks/deliveries/{delivery_id}", response_model=DeliveryDetailOut)
async def get_delivery(
    delivery_id: DeliveryId, caller: WebhooksManager, session: OpenSession
) -> DeliveryDetailOut:
    """One delivery to the calling app's endpoints with the exact body it sends and every
    attempt; ``webhook_delivery_not_found`` (404) for any other. Scope ``webhooks:manage``."""
    where = DeliveryFilter(tenant_id=caller.tenant_id, app_id=caller.app_id)
    delivery, attempts = await service.app_delivery(session, app_actor(caller), where, delivery_id)
    return DeliveryDetailOut.model_validate(
        {
            **_delivery_fields(delivery),
            "body": delivery.body,
            "attempts": [AttemptOut.model_validate(a) for a in attempts],
        }
    )


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
async def get_webhook(
    webhook_id: WebhookId, caller: WebhooksManager, session: OpenSession
) -> WebhookOut:
    """One of the calling app's subscriptions; ``webhook_not_found`` (404) for any other.
    Scope ``webhooks:manage``."""
    found = await service.get_subscription(
        session, app_actor(caller), webhook_id, app_id=caller.app_id
    )
    return _out(found)


@router.delete("/webhooks/{webhook_id}", response_model=WebhookDeleted)
async def delete_webhook(
    webhook_id: WebhookId, caller: WebhooksManager, session: OpenSession
) -> WebhookDeleted:
    """Delete one of the calling app's subscriptions: nothing more is sent to it (deliveries
    still pending are cancelled). ``webhook_not_found`` (404) for any other. Scope
    ``webhooks:manage``."""
    await service.delete_subscription(
        session, app_actor(caller), webhook_id, now=datetime.now(UTC), app_id=caller.app_id
    )
    return WebhookDeleted(deleted=1)
