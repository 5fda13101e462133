"""Sending deliveries: one signed POST per attempt, its result recorded, the retry scheduled,
and each endpoint's breaker and pause kept.

A round claims at most ``HIVE_WEBHOOK_CONCURRENCY`` due deliveries (no more than
``HIVE_WEBHOOK_ENDPOINT_CONCURRENCY`` per endpoint, so one slow receiver cannot take every slot)
and sends them at once. Each attempt:

* decrypts the subscription's secret and checks the URL's addresses again (SSRF; a refused
  address is a failed attempt), then POSTs to the checked address itself;
* signs with a fresh ``X-Hive-Timestamp``; ``X-Hive-Delivery`` is the delivery's uid;
* never follows a redirect, gives up after ``HIVE_WEBHOOK_TIMEOUT_S`` in all, and keeps at most
  ``HIVE_WEBHOOK_RESPONSE_BODY_MAX`` characters of the answer;
* is recorded in its own transaction (subscription row first, then the delivery: the order every
  writer of both keeps): the attempt row, the delivery's next state (:mod:`schedule`), and the
  endpoint's breaker — ``HIVE_WEBHOOK_BREAKER_FAILURES`` failures in a row open it for
  ``HIVE_WEBHOOK_BREAKER_RESET_S`` (then one probe), a success closes it. An endpoint that has
  not succeeded for ``HIVE_WEBHOOK_PAUSE_AFTER_S`` is paused: a notice for the tenant, an audit
  row, a warning in the log; nothing is sent until the tenant resumes it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from hive import __version__
from hive.platform.actor import SYSTEM
from hive.platform.audit import record_audit
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.logging import get_logger
from hive.webhooks import repository, schedule, targets
from hive.webhooks.models import (
    AttemptOutcome,
    DeadReason,
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from hive.webhooks.repository import Claimed
from hive.webhooks.signing import (
    HEADER_DELIVERY,
    HEADER_EVENT,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    sign,
)

log = get_logger("hive.webhooks.sender")
USER_AGENT = f"Hive-Webhooks/{__version__}"
NOTICE_PAUSED = "endpoint_paused"
_ERROR_LENGTH = 200

ATTEMPTS = Counter(
    "hive_webhook_attempts_total",
    "Webhook attempts, by outcome (success, retry, final)",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram("hive_webhook_attempt_seconds", "Duration of webhook attempts")
PAUSED = Counter("hive_webhook_endpoints_paused_total", "Webhook endpoints paused for failing")


@dataclass(frozen=True, slots=True)
class Answer:
    """What one attempt got: a status and the start of the body, or an error (no answer)."""

    status_code: int | None
    body: str
    error: str | None
    duration_ms: int


def policy_of(settings: Settings) -> targets.Policy:
    return targets.Policy(
        allow_loopback=settings.webhook_allow_loopback,
        allow_private=settings.webhook_allow_private_networks,
        lookup_timeout_s=settings.webhook_timeout_s,
    )


@asynccontextmanager
async def webhook_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client of the sender: no redirects, no proxies from the environment (they would
    bypass the address check), the attempt's timeout."""
    async with httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(settings.webhook_timeout_s),
        headers={"User-Agent": USER_AGENT},
    ) as client:
        yield client


class Sender:
    """Sends due deliveries with one HTTP client (see the module's docstring)."""

    def __init__(
        self, database: Database, settings: Settings, client: httpx.AsyncClient, box: SecretBox
    ):
        self._database = database
        self._settings = settings
        self._client = client
        self._box = box
        self._policy = policy_of(settings)

    async def send_due(self, now: datetime) -> int:
        """One round: claim the deliveries due at ``now`` and attempt each once; return how
        many were attempted (0: nothing was due)."""
        settings = self._settings
        async with self._database.platform_transaction() as session:
            claimed = await repository.claim_due(
                session,
                now,
                limit=settings.webhook_concurrency,
                lease_until=now + timedelta(seconds=settings.webhook_lease_s),
                endpoint_cap=settings.webhook_endpoint_concurrency,
                breaker_threshold=settings.webhook_breaker_failures,
                probe_until=now + timedelta(seconds=settings.webhook_lease_s),
            )
        await asyncio.gather(*(self._attempt(item, now) for item in claimed))
        return len(claimed)

    async def _attempt(self, item: Claimed, now: datetime) -> None:
        answer = await self._post(item, now)
        async with self._database.platform_transaction() as session:
            outcome = await record_answer(session, self._settings, item, answer, now)
        ATTEMPTS.labels(outcome.value).inc()
        ATTEMPT_SECONDS.observe(answer.duration_ms / 1000)

    async def _post(self, item: Claimed, now: datetime) -> Answer:
        started = time.monotonic()
        try:
            url = targets.parse_url(item.url, self._policy)
            target = await targets.resolve(url, self._policy)
        except HiveError as refused:
            reason = refused.details.get("reason", refused.code)
            return Answer(None, "", f"address refused: {reason}", _ms_since(started))
        secret = self._box.decrypt(item.secret_ciphertext).decode()
        body = item.body.encode()
        timestamp = str(int(now.timestamp()))
        headers = {
            "Host": url.netloc.decode("ascii"),
            "Content-Type": "application/json",
            HEADER_EVENT: item.event_type,
            HEADER_DELIVERY: str(item.uid),
            HEADER_TIMESTAMP: timestamp,
            HEADER_SIGNATURE: sign(secret, timestamp, body),
        }
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        request = self._client.build_request(
            "POST", target.pinned_url(), content=body, headers=headers, extensions=extensions
        )
        try:
            async with asyncio.timeout(self._settings.webhook_timeout_s):
                status, text = await self._exchange(request)
        except TimeoutError:
            return Answer(None, "", "timeout", _ms_since(started))
        except httpx.HTTPError as error:
            message = f"{type(error).__name__}: {error}"[:_ERROR_LENGTH]
            return Answer(None, "", message, _ms_since(started))
        return Answer(status, text, None, _ms_since(started))

    async def _exchange(self, request: httpx.Request) -> tuple[int, str]:
        limit = self._settings.webhook_response_body_max
        response = await self._client.send(request, stream=True)
        try:
            kept = bytearray()
            async for chunk in response.aiter_raw():
                kept.extend(chunk[: limit * 4 - len(kept)])
                if len(kept) >= limit * 4:  # enough bytes for ``limit`` characters
                    break
        finally:
            await response.aclose()
        return response.status_code, kept.decode("utf-8", "replace")[:limit]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def record_answer(
    session: AsyncSession, settings: Settings, item: Claimed, answer: Answer, now: datetime
) -> AttemptOutcome:
    """Record one attempt: the attempt row, the delivery's next state and the endpoint's
    breaker (and pause); return how the attempt counted."""
    subscription = await repository.lock_subscription_row(session, item.subscription_id)
    delivery = await repository.lock_delivery(session, item.delivery_id)
    if subscription is None or delivery is None:
        return AttemptOutcome.FINAL
    verdict = schedule.verdict_of(answer.status_code)  # no answer at all: retry
    outcome = _apply_to_delivery(delivery, verdict, answer, now, settings.webhook_retry_delays_s)
    await repository.add_attempt(
        session,
        WebhookAttempt(
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            attempted_at=now,
            duration_ms=answer.duration_ms,
            status_code=answer.status_code,
            response_body=answer.body,
            error=answer.error,
            outcome=outcome.value,
        ),
    )
    if verdict is schedule.Verdict.SUCCESS:
        _close_breaker(subscription)
    else:
        await _count_failure(session, settings, subscription, answer, now)
    return outcome


def _apply_to_delivery(
    delivery: WebhookDelivery,
    verdict: schedule.Verdict,
    answer: Answer,
    now: datetime,
    delays_s: tuple[int, ...],
) -> AttemptOutcome:
    delivery.attempt_count += 1
    delivery.leased_until = None
    delivery.last_status_code, delivery.last_error = answer.status_code, answer.error
    if delivery.status != DeliveryStatus.PENDING.value:
        return AttemptOutcome.FINAL  # cancelled meanwhile (its subscription was deleted)
    if verdict is schedule.Verdict.SUCCESS:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED.value, now
        return AttemptOutcome.SUCCESS
    delivery.round_attempts += 1
    due = None
    if verdict is schedule.Verdict.RETRY:
        due = schedule.next_attempt_at(delivery.round_attempts, now, delays_s)
    if due is not None:
        delivery.next_attempt_at = due
        return AttemptOutcome.RETRY
    delivery.status, delivery.dead_at = DeliveryStatus.DEAD.value, now
    delivery.dead_reason = (
        DeadReason.FINAL_ANSWER.value
        if verdict is schedule.Verdict.FINAL
        else DeadReason.RETRIES_EXHAUSTED.value
    )
    return AttemptOutcome.FINAL


def _close_breaker(subscription: WebhookSubscription) -> None:
    subscription.consecutive_failures, subscription.failing_since = 0, None
    subscription.breaker_open_until = None


async def _count_failure(
    session: AsyncSession,
    settings: Settings,
    subscription: WebhookSubscription,
    answer: Answer,
    now: datetime,
) -> None:
    subscription.consecutive_failures += 1
    subscription.failing_since = subscription.failing_since or now
    if subscription.consecutive_failures < settings.webhook_breaker_failures:
        return
    subscription.breaker_open_until = now + timedelta(seconds=settings.webhook_breaker_reset_s)
    failing_for = (now - subscription.failing_since).total_seconds()
    if (
        subscription.status == SubscriptionStatus.ACTIVE.value
        and failing_for >= settings.webhook_pause_after_s
    ):
        await _pause(session, subscription, answer, now)


async def _pause(
    session: AsyncSession, subscription: WebhookSubscription, answer: Answer, now: datetime
) -> None:
    subscription.status, subscription.paused_at = SubscriptionStatus.PAUSED.value, now
    details = {
        "url": subscription.url,
        "failing_since": subscription.failing_since.isoformat()
        if subscription.failing_since
        else None,
        "failures": subscription.consecutive_failures,
        "last_status_code": answer.status_code,
        "last_error": answer.error,
    }
    await repository.add_notice(session, subscription, NOTICE_PAUSED, details)
    await record_audit(
        session,
        SYSTEM,
        "webhooks.pause",
        target_type="webhook_subscription",
        target_id=subscription.id,
        tenant_id=subscription.tenant_id,
        details=details,
    )
    PAUSED.inc()
    log.warning(
        "webhook endpoint paused",
        tenant_id=subscription.tenant_id,
        subscription_id=subscription.id,
        failures=subscription.consecutive_failures,
    )
