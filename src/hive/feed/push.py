"""The push consumer: a supplier's change feed delivered through RabbitMQ.

Deliveries are processed in batches, like the polling consumer's: whatever RabbitMQ has
handed over (up to ``batch_size``, waiting at most ``linger_s`` for more) goes through
:meth:`MessageProcessor.process_batch`, many messages per transaction. Each delivery is
acknowledged to RabbitMQ only after its processing transaction committed. A failed one is
returned to the queue (after a short pause) and comes back; the log's unique key makes any
redelivery of an already processed message a no-op. Decoding the supplier's body into a
:class:`SupplierMessage` is the supplier adapter's business, so it is passed in.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Callable

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from hive.feed.handlers import HandlerRegistry, default_registry
from hive.feed.ingestion import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_ATTEMPTS,
    MessageProcessor,
    Outcome,
)
from hive.platform.config import default_of
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime
from hive.platform.logging import get_logger
from hive.suppliers.types import SupplierMessage

# The supplier's body in our words; None for a message type Hive does not know.
MessageDecoder = Callable[[bytes], SupplierMessage | None]

# Deliveries RabbitMQ hands over before any is acknowledged: room for a whole batch.
DEFAULT_PREFETCH = DEFAULT_BATCH_SIZE
# How long a batch that is not full waits for more deliveries.
DEFAULT_LINGER_S = 0.05
DEFAULT_REDELIVERY_DELAY_S: float = default_of("feed_redelivery_delay_s")
# A topic binding of "#" receives whatever routing keys the publisher uses.
DEFAULT_BINDING_KEY = "#"
_LOGGED_BODY_CHARS = 200
UNDECODABLE = "undecodable"
UNKNOWN_TYPE = "unknown_type"

log = get_logger("hive.feed.push")


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
        batch_size: int = DEFAULT_BATCH_SIZE,
        linger_s: float = DEFAULT_LINGER_S,
        registry: HandlerRegistry = default_registry,
        runtime: JobRuntime | None = None,
    ) -> None:
        self.supplier_id = supplier_id
        self.amqp_url = amqp_url
        self.decode = decode
        self.exchange = exchange
        self.queue = queue or default_queue_name(supplier_id)
        self.binding_key = binding_key
        self.prefetch = prefetch
        self.redelivery_delay_s = redelivery_delay_s
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.processor = MessageProcessor(
            database,
            registry=registry,
            max_attempts=max_attempts,
            batch_size=batch_size,
            runtime=runtime,
        )
        self._received: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
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
            consumer_tag = await queue.consume(self._received.put)
            batches = asyncio.create_task(self._process_batches())
            log.info("consuming supplier feed", supplier_id=self.supplier_id, queue=self.queue)
            if ready is not None:
                ready.set()
            try:
                await stop_event.wait()
                await queue.cancel(consumer_tag)
            finally:
                # Deliveries not settled yet stay unacknowledged: RabbitMQ hands them out again.
                batches.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await batches
        await self.processor.drain()

    async def _declare(self, channel: AbstractChannel) -> AbstractQueue:
        exchange = await channel.declare_exchange(
            self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(self.queue, durable=True)
        await queue.bind(exchange, routing_key=self.binding_key)
        return queue

    async def _process_batches(self) -> None:
        while True:
            batch = [await self._received.get()]
            self._take_waiting(batch)
            if len(batch) < self.batch_size and self.linger_s > 0:
                await asyncio.sleep(self.linger_s)
                self._take_waiting(batch)
            await self._settle_batch(batch)

    def _take_waiting(self, batch: list[AbstractIncomingMessage]) -> None:
        while len(batch) < self.batch_size and not self._received.empty():
            batch.append(self._received.get_nowait())

    async def _settle_batch(self, batch: list[AbstractIncomingMessage]) -> None:
        """Process a batch of deliveries and ack, requeue or drop each one."""
        decoded = [(delivery, await self._decoded(delivery)) for delivery in batch]
        messages: dict[str, SupplierMessage] = {}
        for _, message in decoded:
            if message is not None:
                messages.setdefault(message.message_id, message)  # the first copy decides
        try:
            outcomes = await self.processor.process_batch(self.supplier_id, list(messages.values()))
        except Exception:
            log.exception("supplier messages not recorded", supplier_id=self.supplier_id)
            outcomes = {}
        retry, seen = [], set()
        for delivery, message in decoded:
            if message is None:
                continue
            outcome = outcomes.get(message.message_id, Outcome.RETRY)
            if message.message_id in seen and outcome.acknowledge:
                outcome = Outcome.DUPLICATE  # delivered twice in one batch: handled by the first
            seen.add(message.message_id)
            if outcome.acknowledge:
                await delivery.ack()
                self.deliveries[outcome.value] += 1
            else:
                retry.append(delivery)
        if retry:
            # Pause so a failing handler does not spin the queue at full speed.
            await asyncio.sleep(self.redelivery_delay_s)
            for delivery in retry:
                await delivery.nack(requeue=True)
            self.deliveries[Outcome.RETRY.value] += len(retry)

    async def _decoded(self, delivery: AbstractIncomingMessage) -> SupplierMessage | None:
        """The delivery's message; None when it was settled here (undecodable, unknown type)."""
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
            self.deliveries[UNDECODABLE] += 1
            return None
        if message is None:
            await delivery.ack()
            self.deliveries[UNKNOWN_TYPE] += 1
        return message
