"""The polling consumer against an in-memory at-least-once feed and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry
from hive.feed.ingestion import Outcome
from hive.feed.polling import FeedConsumer
from hive.platform.db import Database
from hive.suppliers.types import MessageType, SupplierMessage
from tests.feed.conftest import (
    InMemoryFeed,
    applied_count,
    apply_price,
    factory_for,
    log_rows,
    make_supplier,
    price_changed,
)

DEADLINE_S = 60.0  # an upper bound for polling: generous for a loaded machine


def _consumer(
    database: Database,
    feeds: dict[int, InMemoryFeed],
    registry: HandlerRegistry,
    *,
    max_attempts: int = 5,
) -> FeedConsumer:
    return FeedConsumer(database, factory_for(feeds), registry=registry, max_attempts=max_attempts)


async def test_message_is_acknowledged_only_after_its_transaction_committed(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    feed = InMemoryFeed(supplier_id)
    feed.publish(price_changed("1"), price_changed("2", sku="200"))
    seen_at_ack: dict[str, str] = {}

    async def check_committed(message_ids: Sequence[str]) -> None:
        # A separate transaction sees only committed rows.
        rows = await log_rows(database)
        seen_at_ack.update({mid: rows[mid].status for mid in message_ids if mid in rows})

    feed.on_ack = check_committed
    report = await _consumer(database, {supplier_id: feed}, registry).poll_once()

    assert seen_at_ack == {"1": "processed", "2": "processed"}
    assert feed.acked == ["1", "2"] and not feed.pending
    assert report.outcomes[Outcome.PROCESSED] == 2
    assert await applied_count(database) == 2
    row = (await log_rows(database))["1"]
    assert row.type == 2 and row.raw["result"] == {"skuId": 100012}


async def test_redelivered_message_is_processed_once(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    feed = InMemoryFeed(supplier_id, duplicate=True)  # every batch carries each message twice
    feed.publish(price_changed("7"))
    feed.fail_next_ack = True  # and the first acknowledgement is lost: it all comes back
    consumer = _consumer(database, {supplier_id: feed}, registry)

    first = await consumer.poll_once()
    assert feed.pending and first.failed_suppliers == [supplier_id]
    second = await consumer.poll_once()

    assert second.outcomes == {Outcome.DUPLICATE: 1}
    assert feed.acked == ["7"] and not feed.pending
    assert await applied_count(database) == 1


async def test_failed_handler_rolls_back_leaves_message_unacknowledged_and_retries(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    calls = 0

    async def flaky(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        nonlocal calls
        calls += 1
        await apply_price(session, supplier, message)  # written, then rolled back
        if calls == 1:
            raise RuntimeError("catalog is busy")

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, flaky)
    feed = InMemoryFeed(supplier_id)
    feed.publish(price_changed("3"))
    consumer = _consumer(database, {supplier_id: feed}, registry)

    assert (await consumer.poll_once()).outcomes == {Outcome.RETRY: 1}
    failed = (await log_rows(database))["3"]
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error == "RuntimeError: catalog is busy"
    assert feed.acked == [] and "3" in feed.pending
    assert await applied_count(database) == 0

    assert (await consumer.poll_once()).outcomes == {Outcome.PROCESSED: 1}
    retried = (await log_rows(database))["3"]
    assert (retried.status, retried.error, retried.attempts) == ("processed", "", 1)
    assert retried.received_at == failed.received_at
    assert feed.acked == ["3"]
    assert await applied_count(database) == 1


async def test_poison_message_gives_up_after_max_attempts_without_blocking_the_feed(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    poison_calls = 0

    async def picky(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        nonlocal poison_calls
        if message.payload["sku"] == "666":
            poison_calls += 1
            raise ValueError("unknown sku")
        await apply_price(session, supplier, message)

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, picky)
    feed = InMemoryFeed(supplier_id)
    feed.publish(price_changed("10", sku="666"), price_changed("11"))
    consumer = _consumer(database, {supplier_id: feed}, registry, max_attempts=3)

    outcomes = [(await consumer.poll_once()).outcomes for _ in range(3)]

    assert outcomes[0] == {Outcome.RETRY: 1, Outcome.PROCESSED: 1}
    assert outcomes[1] == {Outcome.RETRY: 1}
    assert outcomes[2] == {Outcome.GAVE_UP: 1}
    assert feed.acked == ["11", "10"] and not feed.pending
    row = (await log_rows(database))["10"]
    assert (row.status, row.attempts) == ("gave_up", 3)
    assert row.error == "ValueError: unknown sku"
    # Delivered again after giving up (a lost ack): acknowledged, not retried.
    feed.publish(price_changed("10", sku="666"))
    assert (await consumer.poll_once()).outcomes == {Outcome.DUPLICATE: 1}
    assert poison_calls == 3


async def test_message_without_handler_is_logged_ignored_and_acknowledged(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    feed = InMemoryFeed(supplier_id)
    shelf = SupplierMessage(
        message_id="20",
        type=MessageType.SHELF_CHANGED,
        occurred_at=price_changed("0").occurred_at,
        payload={"sku": "5", "on_shelf": False},
    )
    feed.publish(shelf)

    report = await _consumer(database, {supplier_id: feed}, registry).poll_once()

    assert report.outcomes == {Outcome.IGNORED: 1}
    row = (await log_rows(database))["20"]
    assert row.status == "ignored" and row.raw == {"payload": {"sku": "5", "on_shelf": False}}
    assert feed.acked == ["20"]


async def test_unreachable_or_disabled_supplier_does_not_stop_the_others(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    broken_id = await make_supplier(database)
    disabled_id = await make_supplier(database, enabled=False)
    feeds = {sid: InMemoryFeed(sid) for sid in (supplier_id, broken_id, disabled_id)}
    feeds[broken_id].fail_fetch = True
    for feed in feeds.values():
        feed.publish(price_changed("1"))

    report = await _consumer(database, feeds, registry).poll_once()

    assert report.failed_suppliers == [broken_id]
    assert feeds[supplier_id].acked == ["1"]
    assert feeds[disabled_id].fetches == 0 and feeds[disabled_id].pending
    assert await applied_count(database) == 1


async def test_two_consumers_racing_on_one_feed_process_each_message_once(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    feed = InMemoryFeed(supplier_id)
    feed.publish(*(price_changed(str(n), sku=str(1000 + n)) for n in range(1, 21)))
    feeds = {supplier_id: feed}

    reports = await asyncio.gather(
        _consumer(database, feeds, registry).poll_once(),
        _consumer(database, feeds, registry).poll_once(),
    )

    processed = sum(report.outcomes[Outcome.PROCESSED] for report in reports)
    duplicates = sum(report.outcomes[Outcome.DUPLICATE] for report in reports)
    assert (processed, duplicates) == (20, 20)
    assert await applied_count(database) == 20
    assert not feed.pending


async def test_run_keeps_polling_until_stopped(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    feed = InMemoryFeed(supplier_id)
    stop = asyncio.Event()
    consumer = FeedConsumer(
        database, factory_for({supplier_id: feed}), registry=registry, poll_interval_s=0.01
    )
    task = asyncio.create_task(consumer.run(stop))
    feed.publish(price_changed("1"))
    await _until(lambda: feed.acked == ["1"])
    feed.publish(price_changed("2"))  # arrives while the loop is idle
    await _until(lambda: feed.acked == ["1", "2"])

    stop.set()
    await asyncio.wait_for(task, DEADLINE_S)
    assert await applied_count(database) == 2


async def _until(condition: object) -> None:
    assert callable(condition)
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.01)


async def test_message_that_cannot_even_be_recorded_does_not_hold_back_the_batch(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    feed = InMemoryFeed(supplier_id)
    unstorable = price_changed("1")
    too_long = SupplierMessage(
        "9" * 65, unstorable.type, unstorable.occurred_at, unstorable.payload
    )  # longer than the log's message id column
    feed.publish(too_long, price_changed("2"))

    report = await _consumer(database, {supplier_id: feed}, registry).poll_once()

    assert report.outcomes == {Outcome.RETRY: 1, Outcome.PROCESSED: 1}
    assert feed.acked == ["2"] and too_long.message_id in feed.pending
    assert set(await log_rows(database)) == {"2"}


async def test_suppliers_fed_by_push_can_be_left_out_of_polling(
    database: Database, supplier_id: int, registry: HandlerRegistry
) -> None:
    pushed_id = await make_supplier(database)
    feeds = {sid: InMemoryFeed(sid) for sid in (supplier_id, pushed_id)}
    for feed in feeds.values():
        feed.publish(price_changed("1"))
    consumer = FeedConsumer(
        database, factory_for(feeds), registry=registry, polled=lambda row: row.id != pushed_id
    )

    await consumer.poll_once()

    assert feeds[supplier_id].acked == ["1"]
    assert feeds[pushed_id].fetches == 0
