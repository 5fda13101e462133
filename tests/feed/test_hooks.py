"""Transaction hooks: one before-commit step per transaction, after-commit work only once
committed (never after a rollback), and a consumer that drains that work."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry
from hive.feed.ingestion import MessageProcessor, Outcome
from hive.platform import unit_of_work
from hive.platform.db import Database
from hive.suppliers.types import MessageType, SupplierMessage
from tests.feed.conftest import applied_count, apply_price, price_changed


def merging_registry(seen: list[str], committed: list[list[str]]) -> HandlerRegistry:
    """Price and tax handlers that merge their message ids into one step per transaction."""

    async def collect(
        session: AsyncSession, supplier: int, messages: Sequence[SupplierMessage]
    ) -> None:
        ids: list[str] = unit_of_work.hooks(session).state.setdefault("ids", [])
        ids += [m.message_id for m in messages]

        async def before(session: AsyncSession) -> None:
            seen.append(",".join(ids))
            for message in messages:
                await apply_price(session, supplier, message)
            if "666" in ids:
                raise RuntimeError("poison")

            async def after() -> None:
                committed.append(list(ids))

            unit_of_work.after_commit(session, after)

        unit_of_work.before_commit(session, "merge", before)

    registry = HandlerRegistry()
    registry.register_batch(MessageType.PRICE_CHANGED, collect)
    registry.register_batch(MessageType.TAX_CHANGED, collect)
    return registry


async def test_before_commit_runs_once_for_all_types_and_after_commit_once_committed(
    database: Database, supplier_id: int
) -> None:
    seen: list[str] = []
    committed: list[list[str]] = []
    processor = MessageProcessor(database, registry=merging_registry(seen, committed))
    tax = SupplierMessage("3", MessageType.TAX_CHANGED, price_changed("9").occurred_at, {})

    outcomes = await processor.process_batch(
        supplier_id, [price_changed("1"), price_changed("2"), tax]
    )
    await processor.drain()

    assert set(outcomes.values()) == {Outcome.PROCESSED}
    assert seen == ["1,2,3"]  # one step for the whole transaction, both types merged
    assert committed == [["1", "2", "3"]]


async def test_after_commit_work_of_a_rolled_back_transaction_never_runs(
    database: Database, supplier_id: int
) -> None:
    seen: list[str] = []
    committed: list[list[str]] = []
    processor = MessageProcessor(
        database, registry=merging_registry(seen, committed), max_attempts=1
    )

    outcomes = await processor.process_batch(
        supplier_id, [price_changed("1"), price_changed("666")]
    )
    await processor.drain()

    # The batch rolled back and was retried message by message: the poison one failed alone.
    assert outcomes == {"1": Outcome.PROCESSED, "666": Outcome.GAVE_UP}
    assert committed == [["1"]]
    assert await applied_count(database) == 1


async def test_failing_after_commit_work_is_logged_and_does_not_fail_the_message(
    database: Database, supplier_id: int
) -> None:
    async def handler(
        session: AsyncSession, supplier: int, messages: Sequence[SupplierMessage]
    ) -> None:
        async def after() -> None:
            raise RuntimeError("supplier down")

        unit_of_work.after_commit(session, after)

    registry = HandlerRegistry()
    registry.register_batch(MessageType.PRICE_CHANGED, handler)
    processor = MessageProcessor(database, registry=registry, after_commit_concurrency=1)

    first = await processor.process_batch(supplier_id, [price_changed("1")])
    second = await processor.process_batch(supplier_id, [price_changed("2")])
    await processor.drain()

    assert first == {"1": Outcome.PROCESSED} and second == {"2": Outcome.PROCESSED}
