"""Optional push of feed messages to RabbitMQ (needs a broker on 127.0.0.1:5672)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Callable
from urllib.parse import urlsplit
from uuid import uuid4

import aio_pika
import pytest
from vop_sim_harness import RunningSimulator, order_form, sellable_skus

pytestmark = pytest.mark.amqp

AMQP_URL = os.environ.get("HIVE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
RECEIVE_DEADLINE_S = 60.0  # an upper bound: generous for a loaded machine


@pytest.fixture
def amqp_url() -> str:
    parts = urlsplit(AMQP_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 1):
            return AMQP_URL
    except OSError:
        message = f"RabbitMQ is not reachable at {parts.hostname}:{parts.port or 5672}"
        if os.environ.get("HIVE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}, and HIVE_REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)


async def test_feed_messages_are_pushed_to_rabbitmq(
    amqp_url: str, start_sim: Callable[..., RunningSimulator]
) -> None:
    exchange_name = f"hive.vop-sim.test.{uuid4().hex}"
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "vop.message.#")
        try:
            client = start_sim(amqp_url=amqp_url, amqp_exchange=exchange_name).client()
            skus = await asyncio.to_thread(sellable_skus, client, 1)
            form = order_form(skus, "T-amqp")
            placed = await asyncio.to_thread(client.ok, "order/submitOrder", **form)
            async with queue.iterator() as messages:
                incoming = await asyncio.wait_for(anext(messages), RECEIVE_DEADLINE_S)
                await incoming.ack()
            body = json.loads(incoming.body)
            assert incoming.routing_key == "vop.message.25"
            assert body["type"] == 25
            assert body["result"]["orderId"] == placed["jdOrderId"]
            polled = await asyncio.to_thread(client.ok, "message/get", type="25")
            assert [m["id"] for m in polled] == [body["id"]]
        finally:
            await exchange.delete()
