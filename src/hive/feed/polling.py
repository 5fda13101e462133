"""The polling consumer: ask every enabled supplier for new messages, process, acknowledge.

Acknowledgement happens only after each message's processing transaction has committed; if
the process dies in between, the supplier redelivers and the log's unique key makes the
second delivery a no-op. A fetched batch is processed through
:meth:`~hive.feed.ingestion.MessageProcessor.process_batch` (many messages per transaction
where the handlers allow it) and acknowledged once, after all its transactions.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from hive.feed.handlers import HandlerRegistry, default_registry
from hive.feed.ingestion import (
    DEFAULT_AFTER_COMMIT_CONCURRENCY,
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_ATTEMPTS,
    MessageProcessor,
    Outcome,
)
from hive.platform.config import default_of
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime
from hive.platform.logging import get_logger
from hive.suppliers import service as suppliers
from hive.suppliers.errors import SupplierError
from hive.suppliers.health import OK, AccessStatus, StateLog
from hive.suppliers.models import Supplier
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import MessageType, SupplierMessage

AdapterFactory = Callable[[Supplier], Awaitable[SupplierAdapter]]

DEFAULT_POLL_INTERVAL_S: float = default_of("feed_poll_interval_s")
# Every type is fetched, handled or not: an unhandled type must still be acknowledged (as
# "ignored"), or it would pile up at the supplier forever.
ALL_TYPES: tuple[MessageType, ...] = tuple(MessageType)

log = get_logger("hive.feed.polling")


@dataclass
class PollReport:
    """What one poll cycle did, over all suppliers."""

    received: int = 0
    acknowledged: int = 0
    outcomes: collections.Counter[Outcome] = field(default_factory=collections.Counter)
    failed_suppliers: list[int] = field(default_factory=list)


class FeedConsumer:
    """Polls ``fetch_messages`` of every enabled supplier of the registry."""

    def __init__(
        self,
        database: Database,
        adapter_factory: AdapterFactory,
        *,
        types: Sequence[MessageType] = ALL_TYPES,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        registry: HandlerRegistry = default_registry,
        polled: Callable[[Supplier], bool] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        after_commit_concurrency: int = DEFAULT_AFTER_COMMIT_CONCURRENCY,
        runtime: JobRuntime | None = None,
    ) -> None:
        """``polled`` narrows the enabled suppliers to those polled here (e.g. not the ones
        whose feed arrives through RabbitMQ); by default every enabled supplier is polled.
        ``batch_size`` messages share a transaction; ``after_commit_concurrency`` batches'
        after-commit work (the pool's inline refresh) runs at once; the handlers reach
        ``runtime`` through their session."""
        self.database = database
        self.adapter_factory = adapter_factory
        self.polled = polled
        self.types = tuple(types)
        self.poll_interval_s = poll_interval_s
        self.processor = MessageProcessor(
            database,
            registry=registry,
            max_attempts=max_attempts,
            batch_size=batch_size,
            after_commit_concurrency=after_commit_concurrency,
            runtime=runtime,
        )
        # Adapters are reused between polls and rebuilt when the supplier row changes.
        self._adapters: dict[int, tuple[datetime, SupplierAdapter]] = {}
        self.access_log = StateLog("change feed poll")

    async def poll_once(self) -> PollReport:
        """One cycle: each enabled supplier's pending batch, processed and acknowledged.

        A supplier that fails (unreachable, bad answer) is logged and skipped; the others go on.
        """
        report = PollReport()
        for supplier in await self._enabled_suppliers():
            try:
                await self._poll_supplier(supplier, report)
            except SupplierError as error:
                # The supplier refuses us or cannot be reached: its reason is logged once per
                # change of state (not a traceback every poll).
                self.access_log.record(supplier.id, AccessStatus.of(error))
                report.failed_suppliers.append(supplier.id)
            except Exception:
                log.exception("change feed poll failed", supplier_id=supplier.id)
                report.failed_suppliers.append(supplier.id)
            else:
                self.access_log.record(supplier.id, AccessStatus(OK))
        return report

    async def drain(self) -> None:
        """Wait for the after-commit work of the batches processed so far (inline refreshes)."""
        await self.processor.drain()

    async def run(self, stop_event: asyncio.Event) -> None:
        """Poll until ``stop_event`` is set; without a pause while the feed keeps moving.

        Before returning it waits for the after-commit work still running."""
        try:
            await self._poll_until(stop_event)
        finally:
            await self.drain()

    async def _poll_until(self, stop_event: asyncio.Event) -> None:
        while not stop_event.is_set():
            try:
                report = await self.poll_once()
            except Exception:
                log.exception("change feed poll cycle failed")
                report = PollReport()
            if report.acknowledged == 0:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a
                # cancellation that arrives as the stop is set, and the loop would poll on.
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval_s):
                        await stop_event.wait()

    async def _enabled_suppliers(self) -> list[Supplier]:
        async with self.database.platform_transaction() as session:
            rows = await suppliers.list_suppliers(session)
        enabled = [row for row in rows if row.enabled and (self.polled is None or self.polled(row))]
        for gone in self._adapters.keys() - {row.id for row in enabled}:
            del self._adapters[gone]
        return enabled

    async def _adapter(self, supplier: Supplier) -> SupplierAdapter:
        cached = self._adapters.get(supplier.id)
        if cached is not None and cached[0] == supplier.updated_at:
            return cached[1]
        adapter = await self.adapter_factory(supplier)
        self._adapters[supplier.id] = (supplier.updated_at, adapter)
        return adapter

    async def _poll_supplier(self, supplier: Supplier, report: PollReport) -> None:
        adapter = await self._adapter(supplier)
        messages = await adapter.fetch_messages(self.types)
        report.received += len(messages)
        distinct: dict[str, SupplierMessage] = {}
        for message in messages:
            distinct.setdefault(message.message_id, message)  # a duplicate: the first copy decides
        outcomes = await self.processor.process_batch(supplier.id, list(distinct.values()))
        report.outcomes.update(outcomes.values())
        done = [mid for mid, outcome in outcomes.items() if outcome.acknowledge]
        if done:
            # Only what committed is acknowledged; the rest comes back with the next poll.
            await adapter.ack_messages(done)
            report.acknowledged += len(done)


async def run_feed_consumer(
    database: Database,
    adapter_factory: AdapterFactory,
    *,
    stop_event: asyncio.Event,
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
    types: Sequence[MessageType] = ALL_TYPES,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    registry: HandlerRegistry = default_registry,
    polled: Callable[[Supplier], bool] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_commit_concurrency: int = DEFAULT_AFTER_COMMIT_CONCURRENCY,
    runtime: JobRuntime | None = None,
) -> None:
    """Run the polling consumer until ``stop_event`` is set (the worker process's entry)."""
    consumer = FeedConsumer(
        database,
        adapter_factory,
        types=types,
        poll_interval_s=poll_interval_s,
        max_attempts=max_attempts,
        registry=registry,
        polled=polled,
        batch_size=batch_size,
        after_commit_concurrency=after_commit_concurrency,
        runtime=runtime,
    )
    await consumer.run(stop_event)
