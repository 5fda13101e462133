"""Optional push of feed messages to RabbitMQ (when ``amqp_url`` is set).

The SQLite feed stays the source of truth (``message/get`` still answers); the push is the
same messages, published to a topic exchange with routing key ``vop.message.<type>``, for
integrators that consume a queue instead of polling. Publishing is best effort: a message
emitted while the broker is away is not pushed again, but remains in the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import aio_pika

from hive.simulators.vop.messages import MessageJson

logger = logging.getLogger(__name__)
RECONNECT_DELAY_S = 1.0
FLUSH_TIMEOUT_S = 5.0


def routing_key(message: MessageJson) -> str:
    return f"vop.message.{message['type']}"


class AmqpPublisher:
    def __init__(self, url: str, exchange: str) -> None:
        self.url = url
        self.exchange_name = exchange
        self._queue: asyncio.Queue[MessageJson] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def listener(self, message: MessageJson) -> None:
        """Feed listener: may be called from any thread; never blocks the caller."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, message)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(FLUSH_TIMEOUT_S):  # not wait_for: it can eat a cancel
                await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            try:
                connection = await aio_pika.connect_robust(self.url)
            except (OSError, aio_pika.exceptions.AMQPError) as exc:
                logger.warning("vop-sim: AMQP connect failed (%s), retrying", exc)
                await asyncio.sleep(RECONNECT_DELAY_S)
                continue
            async with connection:
                channel = await connection.channel()
                exchange = await channel.declare_exchange(
                    self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
                )
                self.ready.set()
                await self._publish_forever(exchange)

    async def _publish_forever(self, exchange: aio_pika.abc.AbstractExchange) -> None:
        while True:
            message = await self._queue.get()
            try:
                body = aio_pika.Message(
                    json.dumps(message, ensure_ascii=False).encode(),
                    content_type="application/json",
                    message_id=str(message["id"]),
                    type=str(message["type"]),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                await exchange.publish(body, routing_key=routing_key(message))
            except aio_pika.exceptions.AMQPError:
                logger.exception("vop-sim: AMQP publish of message %s failed", message["id"])
            finally:
                self._queue.task_done()
