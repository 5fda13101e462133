"""The RabbitMQ consumer against a real RabbitMQ and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import aio_pika
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry
from hive.feed.push import PushConsumer
from hive.platform.db import Database
from hive.suppliers.types import MessageType, SupplierMessage
from hive.suppliers.vop.mapping import decode_push_message
from tests.feed.conftest import applied_count, apply_price, log_rows
from tests.support.services import AMQP_URL, require_server

pytestmark = pytest.mark.amqp

DEADLINE_S = 60.0  # an upper bound for polling: generous for a loaded machine


def vop_body(message_id: int, sku: int = 100012, msg_type: int = 2) -> bytes:
    return json.dumps(
        {
            "id": message_id,
            "type": msg_type,
            "time": "2025-03-01 16:00:00",
            "result": {"skuId": sku},
        }
    ).encode()


@dataclass
class Broker:
    exchange_name: str
    queue_name: str
    channel: aio_pika.abc.AbstractChannel

    async def publish(self, body: bytes) -> None:
        exchange = await self.channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        await exchange.publish(
            aio_pika.Message(body, content_type="application/json"), routing_key="vop.2"
        )

    async def queued(self) -> int:
        queue = await self.channel.declare_queue(self.queue_name, passive=True)
        return queue.declaration_result.message_count or 0


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    require_server("RabbitMQ", AMQP_URL, 5672)
    suffix = uuid.uuid4().hex[:10]
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        broker = Broker(f"test.feed.{suffix}", f"test.feed.{suffix}", channel)
        yield broker
        await channel.queue_delete(broker.queue_name)
        await channel.exchange_delete(broker.exchange_name)


async def _consuming(
    database: Database,
    supplier_id: int,
    broker: Broker,
    registry: HandlerRegistry,
    **options: float,
) -> tuple[PushConsumer, asyncio.Event, asyncio.Task[None]]:
    consumer = PushConsumer(
        database,
        supplier_id,
        AMQP_URL,
        decode=decode_push_message,  # the decoder the worker runs (hive.launcher)
        exchange=broker.exchange_name,
        queue=broker.queue_name,
        redelivery_delay_s=0,
        registry=registry,
        **options,
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(consumer.run(stop, ready))
    await asyncio.wait_for(ready.wait(), DEADLINE_S)
    return consumer, stop, task


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not await check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.02)


async def test_pushed_messages_are_processed_once_and_acknowledged(
    database: Database, supplier_id: int, broker: Broker, registry: HandlerRegistry
) -> None:
    consumer, stop, task = await _consuming(database, supplier_id, broker, registry)
    for body in (vop_body(1), vop_body(2, sku=200), vop_body(1), vop_body(3, msg_type=999)):
        await broker.publish(body)  # a redelivered id 1, a type Hive does not know

    async def settled() -> bool:
        return consumer.deliveries.total() == 4

    await _until(settled)
    assert consumer.deliveries == {"processed": 2, "duplicate": 1, "unknown_type": 1}
    stop.set()
    await asyncio.wait_for(task, DEADLINE_S)
    rows = await log_rows(database)
    assert {mid: row.status for mid, row in rows.items()} == {"1": "processed", "2": "processed"}
    assert rows["2"].raw["result"] == {"skuId": 200}
    assert await applied_count(database) == 2
    assert await broker.queued() == 0


async def test_deliveries_arriving_together_share_one_transaction(
    database: Database, supplier_id: int, broker: Broker
) -> None:
    groups: list[int] = []

    async def batch(session: AsyncSession, supplier: int, messages: list[SupplierMessage]) -> None:
        groups.append(len(messages))
        for message in messages:
            await apply_price(session, supplier, message)

    registry = HandlerRegistry()
    registry.register_batch(MessageType.PRICE_CHANGED, batch)
    consumer, stop, task = await _consuming(database, supplier_id, broker, registry, linger_s=1.0)
    for message_id in range(1, 51):
        await broker.publish(vop_body(message_id, sku=1000 + message_id))

    async def settled() -> bool:
        return consumer.deliveries["processed"] == 50

    await _until(settled)
    stop.set()
    await asyncio.wait_for(task, DEADLINE_S)
    assert sum(groups) == 50 and len(groups) <= 3  # a batch per linger, not one per message
    assert await applied_count(database) == 50
    assert await broker.queued() == 0


async def test_failed_delivery_is_requeued_and_processed_on_redelivery(
    database: Database, supplier_id: int, broker: Broker
) -> None:
    calls = 0

    async def flaky(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        nonlocal calls
        calls += 1
        await apply_price(session, supplier, message)
        if calls == 1:
            raise RuntimeError("catalog is busy")

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, flaky)
    consumer, stop, task = await _consuming(database, supplier_id, broker, registry)
    await broker.publish(vop_body(5))

    async def processed() -> bool:
        return consumer.deliveries["processed"] == 1

    await _until(processed)
    assert consumer.deliveries == {"retry": 1, "processed": 1}
    assert (await log_rows(database))["5"].status == "processed"
    stop.set()
    await asyncio.wait_for(task, DEADLINE_S)
    assert calls == 2
    assert await applied_count(database) == 1
    assert await broker.queued() == 0


async def test_poison_push_message_gives_up_after_max_attempts(
    database: Database, supplier_id: int, broker: Broker
) -> None:
    calls = 0

    async def broken(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("cannot apply")

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, broken)
    consumer, stop, task = await _consuming(database, supplier_id, broker, registry, max_attempts=3)
    await broker.publish(vop_body(9))
    await broker.publish(b"not json at all")  # undecodable: dropped, never blocks the queue

    async def gave_up() -> bool:
        return consumer.deliveries["gave_up"] == 1 and consumer.deliveries["undecodable"] == 1

    await _until(gave_up)
    assert consumer.deliveries == {"retry": 2, "gave_up": 1, "undecodable": 1}
    stop.set()
    await asyncio.wait_for(task, DEADLINE_S)
    assert calls == 3
    row = (await log_rows(database))["9"]
    assert (row.status, row.attempts, row.error) == ("gave_up", 3, "ValueError: cannot apply")
