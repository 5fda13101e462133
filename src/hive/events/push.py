"""The push consumer: a supplier's change feed delivered through RabbitMQ.

Each delivery is acknowledged to RabbitMQ only after its processing transaction committed.
A failed one is returned to the queue (after a short pause) and comes back; the log's unique
key makes any redelivery of an already processed message a no-op. Decoding the supplier's
body into a :class:`SupplierMessage` is the supplier adapter's business, so it is passed in.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from hive.events.handlers import HandlerRegistry, default_registry
from hive.events.ingestion import DEFAULT_MAX_ATTEMPTS, MessageProcessor, Outcome
from hive.platform.db import Database
from hive.platform.logging import get_logger
from hive.suppliers.types import SupplierMessage

# The supplier's body in our words; None for a message type Hive does not know.
MessageDecoder = Callable[[bytes], SupplierMessage | None]

DEFAULT_PREFETCH = 10
DEFAULT_REDELIVERY_DELAY_S = 1.0
# A topic binding of "#" receives whatever routing keys the publisher uses.
DEFAULT_BINDING_KEY = "#"
_LOGGED_BODY_CHARS = 200
UNDECODABLE = "undecodable"
UNKNOWN_TYPE = "unknown_type"

log = get_logger("hive.events.push")


def default_queue_name(supplier_id: int) -> str:
    return f"hive.supplier-feed.{supplier_id}"


class PushConsumer:
    """Consumes one supplier's messages from a durable queue bound to its topic exchange."""

    def __init__(
        self,
        database: Database,
        supplier_id: int,
        amqp_url: str,
        *,
        decode: MessageDecoder,
        exchange: str,
        queue: str | None = None,
        binding_key: str = DEFAULT_BINDING_KEY,
        prefetch: int = DEFAULT_PREFETCH,
        redelivery_delay_s: float = DEFAULT_REDELIVERY_DELAY_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        registry: HandlerRegistry = default_registry,
    ) -> None:
        self.supplier_id = supplier_id
        self.amqp_url = amqp_url
        self.decode = decode
        self.exchange = exchange
        self.queue = queue or default_queue_name(supplier_id)
        self.binding_key = binding_key
        self.prefetch = prefetch
        self.redelivery_delay_s = redelivery_delay_s
        self.processor = MessageProcessor(database, registry=registry, max_attempts=max_attempts)
        # Deliveries settled with RabbitMQ so far, by what was done (an Outcome value,
        # UNDECODABLE or UNKNOWN_TYPE): for health checks and tests.
        self.deliveries: collections.Counter[str] = collections.Counter()

    async def run(self, stop_event: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Consume until ``stop_event`` is set; ``ready`` is set once the consumer is attached.

        The connection is robust (it reconnects and re-consumes by itself); deliveries in
        flight when it drops are redelivered by RabbitMQ.
        """
        connection = await aio_pika.connect_robust(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await self._declare(channel)
            consumer_tag = await queue.consume(self._on_delivery)
            log.info("consuming supplier feed", supplier_id=self.supplier_id, queue=self.queue)
            if ready is not None:
                ready.set()
            await stop_event.wait()
            await queue.cancel(consumer_tag)
        await self.processor.drain()

    async def _declare(self, channel: AbstractChannel) -> AbstractQueue:
        exchange = await channel.declare_exchange(
            self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(self.queue, durable=True)
        await queue.bind(exchange, routing_key=self.binding_key)
        return queue

    async def _on_delivery(self, delivery: AbstractIncomingMessage) -> None:
        result = await self._settle(delivery)
        self.deliveries[result] += 1

    async def _settle(self, delivery: AbstractIncomingMessage) -> str:
        """Process one delivery and ack, requeue or drop it; returns what was done."""
        try:
            message = self.decode(delivery.body)
        except Exception:
            # Without an id it cannot be logged or deduplicated; requeueing would loop forever.
            log.exception(
                "undecodable supplier message dropped",
                supplier_id=self.supplier_id,
                body=delivery.body[:_LOGGED_BODY_CHARS].decode(errors="replace"),
            )
            await delivery.reject(requeue=False)
            return UNDECODABLE
        if message is None:
            await delivery.ack()
            return UNKNOWN_TYPE
        try:
            outcome = await self.processor.process(self.supplier_id, message)
        except Exception:
            log.exception("supplier message not recorded", supplier_id=self.supplier_id)
            outcome = Outcome.RETRY
        if outcome.acknowledge:
            await delivery.ack()
            return outcome.value
        # Pause so a failing handler does not spin the queue at full speed.
        await asyncio.sleep(self.redelivery_delay_s)
        await delivery.nack(requeue=True)
        return outcome.value
