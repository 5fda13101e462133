"""Batch handlers: many messages per transaction, still once each, a poison message alone."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry
from hive.feed.ingestion import MessageProcessor, Outcome
from hive.feed.polling import FeedConsumer
from hive.platform.db import Database
from hive.suppliers.types import MessageType, SupplierMessage
from tests.feed.conftest import (
    InMemoryFeed,
    applied_count,
    apply_price,
    factory_for,
    log_rows,
    price_changed,
)


async def test_a_batch_handler_gets_the_batch_in_one_call_and_redelivery_is_a_no_op(
    database: Database, supplier_id: int
) -> None:
    calls: list[list[str]] = []

    async def apply_all(
        session: AsyncSession, supplier: int, messages: Sequence[SupplierMessage]
    ) -> None:
        calls.append([m.message_id for m in messages])
        for message in messages:
            await apply_price(session, supplier, message)

    registry = HandlerRegistry()
    registry.register_batch(MessageType.PRICE_CHANGED, apply_all)
    feed = InMemoryFeed(supplier_id, duplicate=True)
    feed.publish(*(price_changed(str(n), sku=str(100 + n)) for n in range(1, 31)))
    feed.fail_next_ack = True  # the whole batch comes back
    consumer = FeedConsumer(database, factory_for({supplier_id: feed}), registry=registry)

    first = await consumer.poll_once()
    second = await consumer.poll_once()

    assert first.outcomes == {Outcome.PROCESSED: 30} and calls == [[str(n) for n in range(1, 31)]]
    assert second.outcomes == {Outcome.DUPLICATE: 30} and len(calls) == 1
    assert await applied_count(database) == 30 and not feed.pending
    assert {row.status for row in (await log_rows(database)).values()} == {"processed"}


async def test_a_failing_batch_is_retried_message_by_message(
    database: Database, supplier_id: int
) -> None:
    async def picky(
        session: AsyncSession, supplier: int, messages: Sequence[SupplierMessage]
    ) -> None:
        for message in messages:
            if message.payload["sku"] == "666":
                raise ValueError("unknown sku")
            await apply_price(session, supplier, message)

    registry = HandlerRegistry()
    registry.register_batch(MessageType.PRICE_CHANGED, picky)
    processor = MessageProcessor(database, registry=registry, batch_size=10)
    messages = [price_changed(str(n), sku="666" if n == 5 else str(n)) for n in range(1, 13)]

    outcomes = await processor.process_batch(supplier_id, messages)

    assert outcomes["5"] is Outcome.RETRY
    assert [outcomes[str(n)] for n in range(1, 13) if n != 5] == [Outcome.PROCESSED] * 11
    assert await applied_count(database) == 11
    rows = await log_rows(database)
    assert (rows["5"].status, rows["5"].attempts) == ("failed", 1)
    assert rows["5"].error == "ValueError: unknown sku"
    retried = await processor.process_batch(supplier_id, messages)
    assert retried["5"] is Outcome.RETRY and retried["1"] is Outcome.DUPLICATE
