"""Processing one change-feed message exactly once, whatever the delivery does.

The message is recorded in the log and handled in one transaction; the log's unique key
(supplier, message id) turns every redelivery into a no-op. A handler failure rolls that
transaction back; the failure is then recorded in a transaction of its own and the message is
left unacknowledged so the supplier delivers it again. After ``max_attempts`` failures it is
recorded as given up (status ``gave_up``) and acknowledged, so one poison message cannot block
the feed. The log row counts the failed attempts (``attempts``), shared by every consumer
process and kept across restarts.

:meth:`MessageProcessor.process_batch` handles many messages per transaction when their types
have only batch handlers: one multi-row insert into the log, one call of each batch handler.
If that transaction fails, its messages are processed again one by one, so a poison message
ends up failed on its own and the rest of its batch still commits.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Sequence
from enum import StrEnum

from prometheus_client import Counter
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed import repository
from hive.feed.handlers import HandlerRegistry, default_registry
from hive.feed.models import SupplierMessageLog
from hive.platform import unit_of_work
from hive.platform.config import default_of
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, bind_runtime
from hive.platform.logging import get_logger
from hive.suppliers.types import MessageType, SupplierMessage

DEFAULT_MAX_ATTEMPTS: int = default_of("feed_max_attempts")
# Messages per processing transaction on the batch path.
DEFAULT_BATCH_SIZE: int = default_of("feed_batch_size")
# After-commit callbacks (e.g. the pool's inline refresh) running at once; more wait (back
# pressure on the consumer, so a fast feed cannot pile up unbounded work in memory).
DEFAULT_AFTER_COMMIT_CONCURRENCY: int = default_of("feed_after_commit_concurrency")

STATUS_PROCESSED = "processed"
STATUS_IGNORED = "ignored"
STATUS_FAILED = "failed"  # will be retried when delivered again
STATUS_GAVE_UP = "gave_up"  # failed max_attempts times; never retried

_ERROR_TYPE = SupplierMessageLog.__table__.c.error.type
_ERROR_MAX = _ERROR_TYPE.length if isinstance(_ERROR_TYPE, String) and _ERROR_TYPE.length else 500

MESSAGES = Counter(
    "hive_supplier_messages_total", "Change-feed messages by processing outcome", ["outcome"]
)

log = get_logger("hive.feed")


class Outcome(StrEnum):
    PROCESSED = "processed"
    IGNORED = "ignored"  # no handler for the type
    DUPLICATE = "duplicate"  # already handled (or given up) before
    RETRY = "retry"  # failed; left unacknowledged so it comes back
    GAVE_UP = "gave_up"  # failed max_attempts times; acknowledged

    @property
    def acknowledge(self) -> bool:
        """Whether the delivery may now be acknowledged to the supplier."""
        return self is not Outcome.RETRY


def failure_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]


class MessageProcessor:
    """Records and handles messages of any supplier; shared by the pull and push consumers."""

    def __init__(
        self,
        database: Database,
        *,
        registry: HandlerRegistry = default_registry,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        after_commit_concurrency: int = DEFAULT_AFTER_COMMIT_CONCURRENCY,
        runtime: JobRuntime | None = None,
    ) -> None:
        """``runtime``, when given, is bound to every processing transaction, so handlers
        reach the process's database and adapters (:func:`hive.platform.jobs.session_runtime`),
        e.g. to refresh the pool right after the commit."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if after_commit_concurrency < 1:
            raise ValueError("after_commit_concurrency must be at least 1")
        self.database = database
        self.registry = registry
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.runtime = runtime
        self._after_commit_slots = asyncio.Semaphore(after_commit_concurrency)
        self._after_commit_tasks: set[asyncio.Task[None]] = set()

    async def drain(self) -> None:
        """Wait until every after-commit callback started so far has finished."""
        while self._after_commit_tasks:
            await asyncio.gather(*self._after_commit_tasks)

    async def _start_after_commit(self, callbacks: Sequence[unit_of_work.AfterCommit]) -> None:
        """Run each callback in the background once a slot is free (waiting for one here)."""
        for callback in callbacks:
            await self._after_commit_slots.acquire()
            task = asyncio.create_task(self._run_after_commit(callback))
            self._after_commit_tasks.add(task)
            task.add_done_callback(self._after_commit_tasks.discard)

    async def _run_after_commit(self, callback: unit_of_work.AfterCommit) -> None:
        try:
            await callback()
        except Exception:
            # The callback's durable fallback (a job deferred in the transaction) covers it.
            log.exception("after-commit work of a supplier message batch failed")
        finally:
            self._after_commit_slots.release()

    async def process(self, supplier_id: int, message: SupplierMessage) -> Outcome:
        """Handle ``message`` once; the outcome says whether it may be acknowledged.

        Raises only when even the failure could not be recorded (e.g. the database is down);
        the caller then leaves the message unacknowledged.
        """
        try:
            outcome = await self._handle(supplier_id, message)
        except Exception as exc:
            outcome = await self._record_failure(supplier_id, message, exc)
        MESSAGES.labels(outcome=outcome.value).inc()
        return outcome

    async def process_batch(
        self, supplier_id: int, messages: Sequence[SupplierMessage]
    ) -> dict[str, Outcome]:
        """Handle distinct ``messages`` (delivery order); the outcome of each, by message id.

        Consecutive messages whose types allow it share transactions of up to ``batch_size``;
        the others go through :meth:`process`. Never raises: a message whose failure could not
        even be recorded comes back as ``RETRY``.
        """
        outcomes: dict[str, Outcome] = {}
        for batchable, run in self._runs(messages):
            if not batchable:
                for message in run:
                    outcomes[message.message_id] = await self._process_safely(supplier_id, message)
                continue
            for start in range(0, len(run), self.batch_size):
                chunk = run[start : start + self.batch_size]
                outcomes.update(await self._process_chunk(supplier_id, chunk))
        return outcomes

    def _runs(
        self, messages: Sequence[SupplierMessage]
    ) -> list[tuple[bool, list[SupplierMessage]]]:
        runs: list[tuple[bool, list[SupplierMessage]]] = []
        for message in messages:
            batchable = self.registry.batchable(message.type)
            if runs and runs[-1][0] == batchable:
                runs[-1][1].append(message)
            else:
                runs.append((batchable, [message]))
        return runs

    async def _process_chunk(
        self, supplier_id: int, chunk: Sequence[SupplierMessage]
    ) -> dict[str, Outcome]:
        try:
            outcomes = await self._handle_batch(supplier_id, chunk)
        except Exception:
            log.warning(
                "supplier message batch failed; processing it message by message",
                supplier_id=supplier_id,
                messages=len(chunk),
                exc_info=True,
            )
            return {m.message_id: await self._process_safely(supplier_id, m) for m in chunk}
        for outcome, count in collections.Counter(outcomes.values()).items():
            MESSAGES.labels(outcome=outcome.value).inc(count)
        return outcomes

    async def _process_safely(self, supplier_id: int, message: SupplierMessage) -> Outcome:
        try:
            return await self.process(supplier_id, message)
        except Exception:
            log.exception(
                "supplier message not recorded",
                supplier_id=supplier_id,
                message_id=message.message_id[:100],
            )
            return Outcome.RETRY

    async def _handle_batch(
        self, supplier_id: int, chunk: Sequence[SupplierMessage]
    ) -> dict[str, Outcome]:
        statuses = {m.message_id: self._status(m) for m in chunk}
        async with self.database.platform_transaction() as session:
            bind_runtime(session, self.runtime)
            todo = await repository.insert_messages(session, supplier_id, chunk, statuses)
            known = [m.message_id for m in chunk if m.message_id not in todo]
            for row in await repository.lock_messages(session, supplier_id, known):
                if row.status == STATUS_FAILED:
                    row.status, row.error = statuses[row.message_id], ""  # a retry
                    todo.add(row.message_id)
            await self._run_batch_handlers(
                session, supplier_id, [m for m in chunk if m.message_id in todo]
            )
            after = await unit_of_work.finish(session)
        await self._start_after_commit(after)
        return {
            m.message_id: self._outcome(m) if m.message_id in todo else Outcome.DUPLICATE
            for m in chunk
        }

    async def _run_batch_handlers(
        self, session: AsyncSession, supplier_id: int, messages: Sequence[SupplierMessage]
    ) -> None:
        by_type: dict[MessageType, list[SupplierMessage]] = {}
        for message in messages:
            by_type.setdefault(message.type, []).append(message)
        for kind, group in by_type.items():
            for handler in self.registry.batch_handlers_for(kind):
                await handler(session, supplier_id, group)

    def _status(self, message: SupplierMessage) -> str:
        return STATUS_PROCESSED if self.registry.handles(message.type) else STATUS_IGNORED

    def _outcome(self, message: SupplierMessage) -> Outcome:
        return Outcome.PROCESSED if self.registry.handles(message.type) else Outcome.IGNORED

    async def _handle(self, supplier_id: int, message: SupplierMessage) -> Outcome:
        handlers = self.registry.handlers_for(message.type)
        status = self._status(message)
        async with self.database.platform_transaction() as session:
            bind_runtime(session, self.runtime)
            inserted = await repository.insert_message(
                session, supplier_id, message, status=status, error=""
            )
            if not inserted:
                row = await repository.lock_message(session, supplier_id, message.message_id)
                if row is None or row.status != STATUS_FAILED:
                    return Outcome.DUPLICATE
                row.status, row.error = status, ""  # a retry: the row keeps its first receipt
            for handler in handlers:
                await handler(session, supplier_id, message)
            for batch_handler in self.registry.batch_handlers_for(message.type):
                await batch_handler(session, supplier_id, [message])
            after = await unit_of_work.finish(session)
        await self._start_after_commit(after)
        return self._outcome(message)

    async def _record_failure(
        self, supplier_id: int, message: SupplierMessage, exc: Exception
    ) -> Outcome:
        async with self.database.platform_transaction() as session:
            await repository.insert_message(
                session, supplier_id, message, status=STATUS_FAILED, error=""
            )
            row = await repository.lock_message(session, supplier_id, message.message_id)
            if row is None or row.status != STATUS_FAILED:
                return Outcome.DUPLICATE  # another consumer settled it meanwhile
            row.attempts = attempts = row.attempts + 1
            gave_up = attempts >= self.max_attempts
            row.status = STATUS_GAVE_UP if gave_up else STATUS_FAILED
            row.error = failure_text(exc)
        event = log.error if gave_up else log.warning
        event(
            "supplier message failed",
            supplier_id=supplier_id,
            message_id=message.message_id,
            message_type=int(message.type),
            attempts=attempts,
            gave_up=gave_up,
            error=f"{type(exc).__name__}: {exc}",
        )
        return Outcome.GAVE_UP if gave_up else Outcome.RETRY
