"""Webhook subscriptions: create, list, delete, resume; the delivery log and replay. Services
never commit; the caller's transaction does.

A subscription belongs to an app of a tenant. An app manages its own subscriptions over the Open
API (scope ``webhooks:manage``); the tenant admin manages all of the tenant's in the workbench.
Both run in the tenant's transaction, so row-level security hides every other tenant's rows: an
id of another tenant is simply not found. The signing secret is returned once, at creation, and
stored encrypted with the platform's secret box.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.crypto import SecretBox
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import PLATFORM_ROLES, Action, require
from hive.platform.reencryption import reencrypt_column
from hive.webhooks import repository, targets
from hive.webhooks.errors import (
    WebhookAppInvalid,
    WebhookDeliveryNotFound,
    WebhookDeliveryPending,
    WebhookLimitReached,
    WebhookNotFound,
)
from hive.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from hive.webhooks.repository import FailingEndpoint
from hive.webhooks.schemas import SubscriptionCreate

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class IssuedWebhook:
    """A new subscription and its secret, shown once (never stored in the clear)."""

    subscription: WebhookSubscription
    secret: str


@dataclass(frozen=True, slots=True)
class Limits:
    """What the settings allow: the address policy and subscriptions per app."""

    policy: targets.Policy
    max_per_app: int


def _check(actor: Actor, tenant_id: int) -> None:
    require(actor, Action.MANAGE_WEBHOOKS)
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise PermissionDenied(details={"action": Action.MANAGE_WEBHOOKS.value})


async def create_subscription(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    app_id: int,
    data: SubscriptionCreate,
    box: SecretBox,
    limits: Limits,
) -> IssuedWebhook:
    """Subscribe the tenant's app ``app_id`` to ``data.event_types`` at ``data.url``; it gets
    the events from now on. Raises ``webhook_url_invalid``, ``webhook_target_refused`` (the
    host is or resolves to a disallowed address, or does not resolve), ``webhook_app_invalid``,
    ``webhook_limit_reached``."""
    _check(actor, tenant_id)
    url = targets.parse_url(data.url, limits.policy)
    if await repository.app_of_tenant(session, app_id, tenant_id) is None:
        raise WebhookAppInvalid()
    if await repository.count_live(session, app_id) >= limits.max_per_app:
        raise WebhookLimitReached(details={"max": limits.max_per_app})
    await targets.resolve(url, limits.policy)
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    txid, event_id = await repository.visible_end(session, tenant_id)
    subscription = WebhookSubscription(
        tenant_id=tenant_id,
        app_id=app_id,
        url=str(url),
        event_types=[kind.value for kind in data.event_types],
        secret_ciphertext=box.encrypt(secret.encode()),
        status=SubscriptionStatus.ACTIVE.value,
        cursor_txid=txid,
        cursor_event_id=event_id,
        consecutive_failures=0,
    )
    await repository.add_subscription(session, subscription)
    await _audit(session, actor, "webhooks.subscribe", subscription, url=subscription.url,
                 event_types=subscription.event_types)  # fmt: skip
    return IssuedWebhook(subscription, secret)


async def list_subscriptions(
    session: AsyncSession, actor: Actor, tenant_id: int, *, app_id: int | None = None
) -> Sequence[WebhookSubscription]:
    """The tenant's live subscriptions (only ``app_id``'s when given), oldest first."""
    _check(actor, tenant_id)
    return await repository.list_subscriptions(session, tenant_id, app_id)


async def get_subscription(
    session: AsyncSession,
    actor: Actor,
    subscription_id: int,
    *,
    app_id: int | None = None,
    lock: bool = False,
) -> WebhookSubscription:
    """A live subscription the actor may manage (of ``app_id`` when given); raises
    ``webhook_not_found`` for any other, another tenant's included."""
    require(actor, Action.MANAGE_WEBHOOKS)
    found = await repository.find_subscription(session, subscription_id, lock=lock)
    if found is None or (app_id is not None and found.app_id != app_id):
        raise WebhookNotFound(details={"webhook_id": subscription_id})
    if actor.tenant_id is not None and actor.tenant_id != found.tenant_id:
        raise WebhookNotFound(details={"webhook_id": subscription_id})
    return found


async def delete_subscription(
    session: AsyncSession,
    actor: Actor,
    subscription_id: int,
    *,
    now: datetime,
    app_id: int | None = None,
) -> WebhookSubscription:
    """Stop the subscription: nothing more is sent (pending deliveries are cancelled); its log
    is kept. Raises ``webhook_not_found``."""
    subscription = await get_subscription(session, actor, subscription_id, app_id=app_id, lock=True)
    subscription.status, subscription.deleted_at = SubscriptionStatus.DELETED.value, now
    await repository.cancel_pending(session, subscription.id, now)
    await repository.resolve_notices(session, subscription.id, now)
    await _audit(session, actor, "webhooks.unsubscribe", subscription, url=subscription.url)
    return subscription


async def resume_subscription(
    session: AsyncSession, actor: Actor, subscription_id: int, *, now: datetime
) -> WebhookSubscription:
    """Send to a paused endpoint again: its breaker is closed, its pending deliveries are due
    at once and its notice resolved. Resuming an active one changes nothing. Raises
    ``webhook_not_found``."""
    subscription = await get_subscription(session, actor, subscription_id, lock=True)
    if subscription.status != SubscriptionStatus.PAUSED.value:
        return subscription
    subscription.status, subscription.paused_at = SubscriptionStatus.ACTIVE.value, None
    subscription.consecutive_failures, subscription.failing_since = 0, None
    subscription.breaker_open_until = None
    await repository.send_pending_now(session, subscription.id, now)
    await repository.resolve_notices(session, subscription.id, now)
    await _audit(session, actor, "webhooks.resume", subscription, url=subscription.url)
    return subscription


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the tenant must know about one of its endpoints (``kind``:
    ``endpoint_paused``), until it is resolved."""

    subscription_id: int
    url: str
    kind: str
    created_at: datetime
    details: dict[str, object]


async def open_notices(session: AsyncSession, actor: Actor, tenant_id: int) -> list[Notice]:
    """The tenant's unresolved notices, newest first."""
    _check(actor, tenant_id)
    found = await repository.open_notices(session, tenant_id)
    return [
        Notice(n.subscription_id, url, n.kind, n.created_at, dict(n.details)) for n, url in found
    ]


@dataclass(frozen=True, slots=True)
class DeliveryLog:
    """A page of a subscription's deliveries, newest first, each with its attempts."""

    total: int
    deliveries: Sequence[WebhookDelivery]
    attempts: dict[int, list[WebhookAttempt]]


async def delivery_log(
    session: AsyncSession, actor: Actor, subscription_id: int, *, page: int, page_size: int
) -> DeliveryLog:
    """Raises ``webhook_not_found``."""
    await get_subscription(session, actor, subscription_id)
    return await _log_page(session, subscription_id, page=page, page_size=page_size)


async def _log_page(
    session: AsyncSession, subscription_id: int, *, page: int, page_size: int
) -> DeliveryLog:
    total, deliveries = await repository.list_deliveries(
        session, subscription_id, limit=page_size, offset=(page - 1) * page_size
    )
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    for attempt in await repository.attempts_of(session, [d.id for d in deliveries]):
        attempts[attempt.delivery_id].append(attempt)
    return DeliveryLog(total, deliveries, attempts)


async def app_deliveries(
    session: AsyncSession,
    actor: Actor,
    where: repository.DeliveryFilter,
    *,
    page: int,
    page_size: int,
) -> tuple[int, Sequence[WebhookDelivery]]:
    """An app's deliveries to its live subscriptions, newest first, filtered; a
    ``subscription_id`` that is not one of them raises ``webhook_not_found``."""
    _check(actor, where.tenant_id)
    if where.subscription_id is not None:
        await get_subscription(session, actor, where.subscription_id, app_id=where.app_id)
    return await repository.list_app_deliveries(
        session, where, limit=page_size, offset=(page - 1) * page_size
    )


async def app_delivery(
    session: AsyncSession, actor: Actor, where: repository.DeliveryFilter, delivery_id: int
) -> tuple[WebhookDelivery, Sequence[WebhookAttempt]]:
    """One delivery of the app's live subscriptions with its attempts, oldest first; raises
    ``webhook_delivery_not_found`` for any other (another app's or tenant's included)."""
    _check(actor, where.tenant_id)
    found = await repository.find_app_delivery(session, where, delivery_id)
    if found is None:
        raise WebhookDeliveryNotFound(details={"delivery_id": delivery_id})
    return found, await repository.attempts_of(session, [found.id])


async def replay_delivery(
    session: AsyncSession, actor: Actor, delivery_id: int, *, now: datetime
) -> WebhookDelivery:
    """Send a delivered or dead delivery again: the original body under the same
    ``X-Hive-Delivery``, with a fresh retry schedule (a later event of its entity waits for it
    again). Audited. Raises ``webhook_delivery_not_found`` (also for a deleted subscription's),
    ``webhook_delivery_pending`` (still being attempted)."""
    require(actor, Action.MANAGE_WEBHOOKS)
    delivery = await repository.find_delivery(session, delivery_id, lock=True)
    if delivery is None or (actor.tenant_id is not None and actor.tenant_id != delivery.tenant_id):
        raise WebhookDeliveryNotFound(details={"delivery_id": delivery_id})
    subscription = await repository.find_subscription(session, delivery.subscription_id)
    if subscription is None or delivery.status == DeliveryStatus.CANCELLED.value:
        raise WebhookDeliveryNotFound(details={"delivery_id": delivery_id})
    if delivery.status == DeliveryStatus.PENDING.value:
        raise WebhookDeliveryPending(details={"delivery_id": delivery_id})
    previous = delivery.status
    delivery.status, delivery.round_attempts = DeliveryStatus.PENDING.value, 0
    delivery.next_attempt_at, delivery.leased_until = now, None
    delivery.dead_at = delivery.dead_reason = None
    await _audit(session, actor, "webhooks.replay", subscription, delivery=str(delivery.uid),
                 event_id=delivery.event_id, previous_status=previous)  # fmt: skip
    return delivery


async def secret_ciphertext(session: AsyncSession, subscription_id: int, *, app_id: int) -> bytes:
    """The stored (encrypted) signing secret of one of ``app_id``'s subscriptions, deleted ones
    included (a replayed creation answers with it). Raises ``webhook_not_found``."""
    found = await repository.secret_of(session, subscription_id, app_id)
    if found is None:
        raise WebhookNotFound(details={"webhook_id": subscription_id})
    return found


async def reencrypt_secrets(session: AsyncSession, actor: Actor, box: SecretBox) -> int:
    """Rewrite every subscription's signing secret under the current secret key (run in the
    platform's transaction by ``hive reencrypt-secrets``). Returns how many were rewritten.

    Raises :class:`SecretUnreadable` (from the box) when no known key reads one; the caller's
    transaction then rolls back and nothing is rewritten.
    """
    require(actor, Action.REENCRYPT_CREDENTIALS)
    return await reencrypt_column(
        session,
        actor,
        box,
        await repository.lock_all_subscriptions(session),
        "secret_ciphertext",
        action="webhooks.secrets_reencrypt",
        target_type="webhook_subscription",
        ids_key="subscription_ids",
    )


async def _audit(
    session: AsyncSession, actor: Actor, action: str, subscription: WebhookSubscription,
    **details: object,
) -> None:  # fmt: skip
    await record_audit(
        session,
        actor,
        action,
        target_type="webhook_subscription",
        target_id=subscription.id,
        tenant_id=subscription.tenant_id,
        details={"app_id": subscription.app_id, **details},
    )


FAILING_WINDOW = timedelta(hours=24)
FAILING_LIMIT = 50


async def failing_endpoints(
    session: AsyncSession, actor: Actor, tenant_id: int | None, *, now: datetime
) -> list[FailingEndpoint]:
    """Endpoints paused, or with deliveries dead-lettered in the last 24 hours or retried after
    failures — the tenant's (its admin), or every tenant's (``tenant_id`` None: staff, for the
    admin dashboard). At most :data:`FAILING_LIMIT`, paused ones first."""
    if tenant_id is None:
        if actor.tenant_id is not None or actor.role not in PLATFORM_ROLES:
            raise PermissionDenied(details={"action": "webhooks.view_failing"})
    else:
        _check(actor, tenant_id)
    return await repository.failing_endpoints(
        session, since=now - FAILING_WINDOW, tenant_id=tenant_id, limit=FAILING_LIMIT
    )


async def staff_delivery_log(
    session: AsyncSession, actor: Actor, subscription_id: int, *, page: int, page_size: int
) -> tuple[WebhookSubscription, DeliveryLog]:
    """Any tenant's live subscription and a page of its delivery log, for staff (read only: the
    admin dashboard's failing endpoints link here). Raises ``webhook_not_found``."""
    if actor.tenant_id is not None or actor.role not in PLATFORM_ROLES:
        raise PermissionDenied(details={"action": "webhooks.view_deliveries"})
    found = await repository.find_subscription(session, subscription_id)
    if found is None:
        raise WebhookNotFound(details={"webhook_id": subscription_id})
    return found, await _log_page(session, subscription_id, page=page, page_size=page_size)
