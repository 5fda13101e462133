"""Deliveries against a real local HTTP receiver: signed as a receiver checks them, retried on
the schedule through failures, timeouts and 429s until it recovers, final on 410 and on a
redirect, dead after the last retry, in order per entity, held back by the breaker, paused and
resumed, replayed with the original body under the same delivery id, and refused at send time
when the address is no longer allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import job_app
from hive.webhooks import schedule
from hive.webhooks import service as webhooks
from hive.webhooks.errors import WebhookDeliveryPending
from hive.webhooks.tasks import PUMP_LOCK, PumpResult, pump, purge_deliveries
from tests.support.factories import ADMIN, make_tenant
from tests.support.openapi import gateway_settings, make_app
from tests.support.webhooks import (
    T0,
    Received,
    Receiver,
    dispatch_all,
    hook_settings,
    raise_price,
    rows,
    running_receiver,
    send_round,
    send_until_idle,
    subscribe,
)

HOOK = "/hook"


@pytest.fixture
def hooks(settings: Settings) -> Settings:
    return hook_settings(gateway_settings(settings))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def _subscribed(
    database: Database, hooks: Settings, receiver: Receiver
) -> tuple[int, int, str]:
    tenant = await make_tenant(database, "acme")
    app = await make_app(database, hooks, tenant)
    subscription, secret = await subscribe(database, hooks, tenant, app.app_id, receiver.at(HOOK))
    return tenant, subscription, secret


def _verified(received: Received, secret: str, now: datetime) -> dict[str, Any]:
    """What a receiver does: recompute the signature over timestamp + "." + raw body, check
    the timestamp is fresh, then parse the body."""
    timestamp = received.headers["x-hive-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, received.headers["x-hive-signature"])
    assert abs(int(timestamp) - now.timestamp()) <= 300
    body: dict[str, Any] = json.loads(received.body)
    return body


async def _delivery(database: Database) -> Any:
    return (await rows(database, "SELECT * FROM webhook_deliveries ORDER BY id"))[0]


async def _attempts(database: Database) -> list[Any]:
    return await rows(
        database,
        "SELECT status_code, error, outcome, attempted_at, response_body "
        "FROM webhook_attempts ORDER BY id",
    )


async def test_a_delivery_is_signed_and_carries_the_event(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    tenant, _, secret = await _subscribed(database, hooks, receiver)
    await raise_price(database, tenant, 7, 1890)
    await dispatch_all(database, 1)
    successes = REGISTRY.get_sample_value("hive_webhook_attempts_total", {"outcome": "success"})
    assert await send_round(database, hooks, T0) == 1
    counted = REGISTRY.get_sample_value("hive_webhook_attempts_total", {"outcome": "success"})
    assert counted == (successes or 0) + 1
    [got] = receiver.got(HOOK)
    body = _verified(got, secret, T0)
    assert got.headers["x-hive-event"] == "product.price_changed"
    assert got.headers["x-hive-timestamp"] == str(int(T0.timestamp()))
    assert got.headers["content-type"] == "application/json"
    assert (body["type"], body["entity_type"], body["entity_id"]) == (
        "product.price_changed",
        "product",
        7,
    )
    assert body["sequence"] == 1 and body["payload"] == {"price_fen": 1890}
    assert body["occurred_at"].endswith("Z")
    delivery = await _delivery(database)
    assert got.headers["x-hive-delivery"] == str(delivery.uid)
    assert delivery.status == "delivered" and delivery.body.encode() == got.body
    assert [(a.status_code, a.outcome, a.response_body) for a in await _attempts(database)] == [
        (200, "success", "ok")
    ]


async def test_a_failing_receiver_is_retried_on_the_schedule_until_it_recovers(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    tenant, _, secret = await _subscribed(database, hooks, receiver)
    receiver.answer(HOOK, 500, ("sleep", 3.0), 503, 429, 408, 200)
    await raise_price(database, tenant, 7, 1890)
    await dispatch_all(database, 1)
    times = schedule.attempt_times(T0, hooks.webhook_retry_delays_s)
    for index, at in enumerate(times[:6]):
        if index:
            assert await send_round(database, hooks, at - timedelta(seconds=1)) == 0
        assert await send_round(database, hooks, at) == 1
    got = receiver.got(HOOK)
    assert len(got) == 6
    assert len({r.headers["x-hive-delivery"] for r in got}) == 1
    for received, at in zip(got, times, strict=False):
        assert received.headers["x-hive-timestamp"] == str(int(at.timestamp()))
        assert _verified(received, secret, at)["entity_id"] == 7
    assert {r.body for r in got} == {got[0].body}
    attempts = await _attempts(database)
    assert [(a.status_code, a.error, a.outcome) for a in attempts] == [
        (500, None, "retry"),
        (None, "timeout", "retry"),
        (503, None, "retry"),
        (429, None, "retry"),
        (408, None, "retry"),
        (200, None, "success"),
    ]
    assert [a.attempted_at for a in attempts] == times[:6]
    assert (await _delivery(database)).status == "delivered"


@pytest.mark.parametrize("answer", [410, 400, ("redirect", "/elsewhere")])
async def test_a_4xx_or_a_redirect_is_final_and_the_delivery_dead(
    database: Database, settings: Settings, receiver: Receiver, answer: Any
) -> None:
    hooks = hook_settings(gateway_settings(settings), webhook_response_body_max=100)
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    receiver.answer(HOOK, answer)
    await raise_price(database, tenant, 7, 1890)
    await dispatch_all(database, 1)
    assert await send_round(database, hooks, T0) == 1
    assert await send_round(database, hooks, T0 + timedelta(days=3)) == 0
    assert [r.path for r in receiver.received] == [HOOK]  # the redirect was not followed
    delivery = await _delivery(database)
    assert (delivery.status, delivery.dead_reason) == ("dead", "final_answer")
    [attempt] = await _attempts(database)
    assert attempt.outcome == "final" and attempt.status_code == (
        302 if isinstance(answer, tuple) else answer
    )
    if answer == 410:
        assert len(attempt.response_body) == 100 and attempt.response_body.startswith("no: 410")


async def test_a_delivery_is_dead_when_its_last_retry_fails(
    database: Database, settings: Settings, receiver: Receiver
) -> None:
    delays = (43_200, 43_200)
    hooks = hook_settings(
        gateway_settings(settings), webhook_retry_delays_s=delays, webhook_breaker_failures=100
    )
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    receiver.answer(HOOK, 500, 502, 504, 200)
    await raise_price(database, tenant, 7, 1890)
    await dispatch_all(database, 1)
    for at in schedule.attempt_times(T0, delays):
        assert await send_round(database, hooks, at) == 1
    assert await send_round(database, hooks, T0 + timedelta(days=30)) == 0
    delivery = await _delivery(database)
    assert (delivery.status, delivery.dead_reason, delivery.attempt_count) == (
        "dead",
        "retries_exhausted",
        3,
    )
    assert [a.outcome for a in await _attempts(database)] == ["retry", "retry", "final"]


def _order(received: list[Received]) -> list[tuple[int, int]]:
    bodies = [json.loads(r.body) for r in received]
    return [(b["entity_id"], b["sequence"]) for b in bodies]


async def test_a_later_event_of_an_entity_waits_until_the_earlier_is_delivered_or_dead(
    database: Database, settings: Settings, receiver: Receiver
) -> None:
    hooks = hook_settings(gateway_settings(settings), webhook_endpoint_concurrency=1)
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    receiver.answer(HOOK, 500, 200, 410, 200)
    for product, fen in ((7, 100), (7, 110), (8, 200), (9, 300), (9, 310)):
        await raise_price(database, tenant, product, fen)
    await dispatch_all(database, 5)
    await send_until_idle(database, hooks, T0)
    # 7#1 failed (500): 7#2 waits; 8#1 goes; 9#1 is refused for good (410), so 9#2 goes.
    assert _order(receiver.got(HOOK)) == [(7, 1), (8, 1), (9, 1), (9, 2)]
    await send_until_idle(database, hooks, T0 + timedelta(seconds=30))
    assert _order(receiver.got(HOOK))[4:] == [(7, 1), (7, 2)]
    statuses = await rows(database, "SELECT status FROM webhook_deliveries ORDER BY id")
    assert [s.status for s in statuses] == [
        "delivered",
        "delivered",
        "delivered",
        "dead",
        "delivered",
    ]


async def test_the_breaker_holds_an_endpoint_back_then_lets_one_probe_through(
    database: Database, settings: Settings, receiver: Receiver
) -> None:
    base = gateway_settings(settings)
    one_at_a_time = hook_settings(
        base, webhook_breaker_failures=2, webhook_breaker_reset_s=60, webhook_endpoint_concurrency=1
    )
    wide = hook_settings(
        base, webhook_breaker_failures=2, webhook_breaker_reset_s=60, webhook_endpoint_concurrency=8
    )
    tenant, subscription, _ = await _subscribed(database, one_at_a_time, receiver)
    receiver.answer(HOOK, 500, 500)
    for product in (1, 2, 3, 4):
        await raise_price(database, tenant, product, 100)
    await dispatch_all(database, 4)
    assert await send_round(database, one_at_a_time, T0) == 1
    assert await send_round(database, one_at_a_time, T0) == 1  # second failure: open
    assert await send_round(database, wide, T0) == 0
    assert await send_round(database, wide, T0 + timedelta(seconds=59)) == 0
    assert await send_round(database, wide, T0 + timedelta(seconds=60)) == 1  # the probe
    [breaker] = await rows(
        database,
        "SELECT consecutive_failures, breaker_open_until FROM webhook_subscriptions WHERE id = :id",
        id=subscription,
    )
    assert tuple(breaker) == (0, None)
    assert await send_round(database, wide, T0 + timedelta(seconds=60)) == 3
    assert len(receiver.got(HOOK)) == 6


async def test_an_endpoint_failing_for_too_long_is_paused_the_tenant_told_and_resumed(
    database: Database, settings: Settings, receiver: Receiver
) -> None:
    hooks = hook_settings(
        gateway_settings(settings),
        webhook_breaker_failures=2,
        webhook_breaker_reset_s=60,
        webhook_pause_after_s=3600,
    )
    tenant, subscription, _ = await _subscribed(database, hooks, receiver)
    receiver.answer(HOOK, *([500] * 200))
    await raise_price(database, tenant, 7, 100)
    await dispatch_all(database, 1)
    # attempts at 0, 1, 2, 4, 9, 19, 39 and 79 minutes: the last is over an hour of failing
    for minute in range(0, 90):
        await send_until_idle(database, hooks, T0 + timedelta(minutes=minute))
    [row] = await rows(
        database,
        "SELECT status, paused_at FROM webhook_subscriptions WHERE id = :id",
        id=subscription,
    )
    assert row.status == "paused" and row.paused_at >= T0 + timedelta(seconds=3600)
    tried = len(receiver.got(HOOK))
    assert await send_until_idle(database, hooks, T0 + timedelta(hours=10)) == 0
    assert len(receiver.got(HOOK)) == tried
    [notice] = await rows(
        database, "SELECT tenant_id, kind, details, resolved_at FROM webhook_notices"
    )
    assert (notice.tenant_id, notice.kind, notice.resolved_at) == (tenant, "endpoint_paused", None)
    assert notice.details["last_status_code"] == 500
    audit = await rows(database, "SELECT actor_name FROM audit_log WHERE action = 'webhooks.pause'")
    assert [a.actor_name for a in audit] == ["system"]
    await raise_price(database, tenant, 7, 110)  # still collected while paused
    await dispatch_all(database, 2)
    with receiver.lock:
        receiver.script[HOOK].clear()
    resumed_at = T0 + timedelta(hours=11)
    async with database.platform_transaction() as session:
        await webhooks.resume_subscription(session, ADMIN, subscription, now=resumed_at)
    assert await send_until_idle(database, hooks, resumed_at) == 2
    assert _order(receiver.got(HOOK)[-2:]) == [(7, 1), (7, 2)]
    [notice] = await rows(database, "SELECT resolved_at FROM webhook_notices")
    assert notice.resolved_at == resumed_at


async def test_a_replay_sends_the_original_event_under_the_same_delivery_id(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    tenant, _, secret = await _subscribed(database, hooks, receiver)
    await raise_price(database, tenant, 7, 100)
    await dispatch_all(database, 1)
    await send_until_idle(database, hooks, T0)
    await raise_price(database, tenant, 7, 120)  # the product's state moves on
    await dispatch_all(database, 2)
    await send_until_idle(database, hooks, T0)
    first = await _delivery(database)
    later = T0 + timedelta(hours=5)
    async with database.platform_transaction() as session:
        await webhooks.replay_delivery(session, ADMIN, first.id, now=later)
        with pytest.raises(WebhookDeliveryPending):
            await webhooks.replay_delivery(session, ADMIN, first.id, now=later)
    assert await send_until_idle(database, hooks, later) == 1
    original, _, replayed = receiver.got(HOOK)
    assert (
        replayed.body == original.body and json.loads(replayed.body)["payload"]["price_fen"] == 100
    )
    assert replayed.headers["x-hive-delivery"] == original.headers["x-hive-delivery"]
    assert _verified(replayed, secret, later)
    assert replayed.headers["x-hive-timestamp"] == str(int(later.timestamp()))
    audit = await rows(database, "SELECT details FROM audit_log WHERE action = 'webhooks.replay'")
    assert [a.details["delivery"] for a in audit] == [str(first.uid)]


async def test_the_address_is_checked_again_at_every_attempt(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    await raise_price(database, tenant, 7, 100)
    await dispatch_all(database, 1)
    closed = hooks.model_copy(update={"webhook_allow_loopback": False})
    assert await send_round(database, closed, T0) == 1
    assert receiver.received == []
    [attempt] = await _attempts(database)
    assert (attempt.status_code, attempt.error, attempt.outcome) == (
        None,
        "address refused: https_required",
        "retry",
    )


async def test_the_periodic_pump_dispatches_and_sends(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    periodic = {task.periodic_id for task in job_app.periodic_registry.periodic_tasks.values()}
    assert PUMP_LOCK in periodic
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    await raise_price(database, tenant, 7, 100)
    await raise_price(database, tenant, 8, 100)
    result = PumpResult(0, 0)
    while result.dispatched < 2:  # an event waits for older transactions on the server
        result = await pump(database, hooks, clock=lambda: T0)
    assert result == PumpResult(dispatched=2, attempted=2)
    assert len(receiver.got(HOOK)) == 2


async def test_finished_deliveries_are_purged_after_the_retention_pending_ones_kept(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    receiver.answer(HOOK, 200, 503)
    await raise_price(database, tenant, 7, 100)
    await raise_price(database, tenant, 8, 100)
    await dispatch_all(database, 2)
    await send_until_idle(database, hooks, T0)
    assert await purge_deliveries(database, hooks, T0) == 0  # within the retention
    later = T0 + timedelta(days=hooks.webhook_log_retention_days)
    assert await purge_deliveries(database, hooks, later) == 1
    left = await rows(database, "SELECT status FROM webhook_deliveries")
    assert [r.status for r in left] == ["pending"]
    assert len(await _attempts(database)) == 1  # the delivered one's attempt went with it


async def test_an_event_is_held_while_an_earlier_one_of_its_entity_is_not_yet_readable(
    database: Database, hooks: Settings, receiver: Receiver
) -> None:
    """Transactions can commit in another order than they took an entity's sequence numbers:
    here sequence 2 is readable (an old transaction id) while sequence 1 is not yet (its
    transaction id is above the horizon). Sequence 2 must wait for it."""
    tenant, _, _ = await _subscribed(database, hooks, receiver)
    insert = (
        "INSERT INTO tenant_events (tenant_id, type, entity_type, entity_id, sequence, payload, "
        "txid) VALUES (:t, 'product.price_changed', 'product', 7, :seq, '{}', :txid)"
    )
    await rows(database, insert, t=tenant, seq=2, txid=1)
    await rows(database, insert, t=tenant, seq=1, txid=2**62)  # not readable yet
    await dispatch_all(database, 1)
    assert await send_until_idle(database, hooks, T0) == 0
    await rows(database, "UPDATE tenant_events SET txid = 1 WHERE sequence = 1")  # now it is
    await dispatch_all(database, 2)
    assert await send_until_idle(database, hooks, T0) == 2
    assert _order(receiver.got(HOOK)) == [(7, 1), (7, 2)]
