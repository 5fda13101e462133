"""Webhook test helpers: a real HTTP receiver that answers as a script says, subscriptions made
through the real service, and the pump's steps run inline with a clock the test sets."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from hive.events import service as events
from hive.events.service import EventType
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.secret_key import load_secret_box
from hive.webhooks import service as webhooks
from hive.webhooks.dispatch import dispatch_events
from hive.webhooks.schemas import SubscriptionCreate
from hive.webhooks.sender import Sender, policy_of, webhook_client
from tests.support.factories import ADMIN
from tests.support.servers import running_server

# The tests' clock: a day ahead of the real one, so every delivery (due from the moment it is
# dispatched, by the database's clock) is due at T0.
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the receiver got, and how it answers next: ``script[path]`` is a list of answers
    used one per request (``200``, ``500``, ``410``, ``("sleep", 2.0)``, ``("redirect", url)``);
    an empty list answers 200 ``ok``."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: dict[str, list[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str) -> str:
        return f"{self.url}{path}"

    def got(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def answer(self, path: str, *answers: Any) -> None:
        with self.lock:
            self.script.setdefault(path, []).extend(answers)


def _app(receiver: Receiver) -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        with receiver.lock:
            receiver.received.append(Received(request.url.path, dict(request.headers), body))
            queue = receiver.script.get(request.url.path, [])
            step = queue.pop(0) if queue else 200
        if isinstance(step, tuple) and step[0] == "sleep":
            await asyncio.sleep(step[1])
            return PlainTextResponse("late")
        if isinstance(step, tuple) and step[0] == "redirect":
            return RedirectResponse(step[1], status_code=302)
        return PlainTextResponse("ok" if step < 300 else f"no: {step} " + "x" * 5000, step)

    return Starlette(routes=[Route("/{rest:path}", hook, methods=["POST"])])


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    with running_server(_app(receiver)) as url:
        receiver.url = url
        yield receiver


def hook_settings(settings: Settings, **changes: object) -> Settings:
    """Short timeouts for tests; the retry schedule stays the real one (the clock is set)."""
    values: dict[str, object] = {"webhook_timeout_s": 1.0, "webhook_lease_s": 30.0}
    return settings.model_copy(update=values | changes)


async def subscribe(
    database: Database,
    settings: Settings,
    tenant_id: int,
    app_id: int,
    url: str,
    types: tuple[EventType, ...] = (EventType.PRICE_CHANGED,),
) -> tuple[int, str]:
    """A subscription made through the service; its id and secret."""
    data = SubscriptionCreate(url=url, event_types=list(types))
    limits = webhooks.Limits(policy_of(settings), settings.webhook_max_subscriptions_per_app)
    async with database.platform_transaction() as session:
        issued = await webhooks.create_subscription(
            session, ADMIN, tenant_id, app_id, data, load_secret_box(settings), limits
        )
    return issued.subscription.id, issued.secret


async def raise_price(database: Database, tenant_id: int, product_id: int, fen: int) -> None:
    async with database.platform_transaction() as session:
        await events.raise_tenant_event(
            session,
            tenant_id,
            EventType.PRICE_CHANGED,
            entity_type="product",
            entity_id=product_id,
            payload={"price_fen": fen},
        )


async def dispatch_all(database: Database, expected_total: int, deadline_s: float = 60) -> None:
    """Dispatch until ``expected_total`` deliveries exist: an event waits while any older
    transaction on the server is still running (other tests run beside this one)."""
    deadline = time.monotonic() + deadline_s
    while True:
        await dispatch_events(database, batch_size=50)
        count = (await rows(database, "SELECT count(*) FROM webhook_deliveries"))[0][0]
        if count >= expected_total or time.monotonic() > deadline:
            assert count == expected_total
            return
        await asyncio.sleep(0.05)


async def send_round(database: Database, settings: Settings, now: datetime) -> int:
    """One sender round at ``now``; how many attempts it made."""
    async with webhook_client(settings) as client:
        sender = Sender(database, settings, client, load_secret_box(settings))
        return await sender.send_due(now)


async def send_until_idle(database: Database, settings: Settings, now: datetime) -> int:
    total = 0
    while (done := await send_round(database, settings, now)) > 0:
        total += done
    return total


async def rows(database: Database, statement: str, **params: object) -> list[Any]:
    async with database.platform_transaction() as session:
        result = await session.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []
