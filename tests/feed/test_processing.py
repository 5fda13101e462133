"""Handler registration and the processing transaction, without any consumer around them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry, default_registry, register_handler
from hive.feed.ingestion import MessageProcessor, Outcome
from hive.platform.db import Database
from hive.suppliers.types import MessageType, SupplierMessage
from tests.feed.conftest import applied_count, apply_price, log_rows, price_changed


async def test_all_handlers_of_a_type_share_one_transaction(
    database: Database, supplier_id: int
) -> None:
    order: list[str] = []

    async def first(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        order.append("first")
        await apply_price(session, supplier, message)

    async def second(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        order.append("second")
        if len(order) == 2:
            raise LookupError("pool entry missing")

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, first)
    registry.register(MessageType.PRICE_CHANGED, second)
    registry.register(MessageType.PRICE_CHANGED, first)  # registering again changes nothing
    processor = MessageProcessor(database, registry=registry)

    assert await processor.process(supplier_id, price_changed("1")) is Outcome.RETRY
    assert await applied_count(database) == 0  # the first handler's write rolled back too
    assert await processor.process(supplier_id, price_changed("1")) is Outcome.PROCESSED
    assert order == ["first", "second", "first", "second"]
    assert await applied_count(database) == 1
    assert registry.types == {MessageType.PRICE_CHANGED}


async def test_max_attempts_of_one_gives_up_at_the_first_failure(
    database: Database, supplier_id: int
) -> None:
    async def broken(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        raise RuntimeError("x" * 1000)

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, broken)
    processor = MessageProcessor(database, registry=registry, max_attempts=1)

    assert await processor.process(supplier_id, price_changed("4")) is Outcome.GAVE_UP
    row = (await log_rows(database))["4"]
    assert (row.status, row.attempts, len(row.error)) == ("gave_up", 1, 500)
    assert row.error.startswith("RuntimeError: xxx")


def test_register_handler_subscribes_in_the_process_wide_registry() -> None:
    async def on_tax(session: AsyncSession, supplier: int, message: SupplierMessage) -> None:
        return None

    assert register_handler(MessageType.TAX_CHANGED, on_tax) is on_tax
    try:
        assert on_tax in default_registry.handlers_for(MessageType.TAX_CHANGED)
    finally:
        default_registry.unregister(MessageType.TAX_CHANGED, on_tax)
    assert on_tax not in default_registry.handlers_for(MessageType.TAX_CHANGED)
