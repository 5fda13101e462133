"""Shared pieces of the change-feed tests: a supplier, an in-memory feed, message builders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed.handlers import HandlerRegistry
from hive.feed.models import SupplierMessageLog
from hive.platform.actor import SYSTEM
from hive.platform.audit import AuditEntry, record_audit
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.suppliers import service as suppliers
from hive.suppliers.models import Supplier
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import MessageType, SupplierKind, SupplierMessage
from tests.support.factories import ADMIN

APPLIED = "test.price_applied"


class InMemoryFeed:
    """A supplier's change feed kept in memory, delivered at least once like the real ones.

    Every fetch returns each message not yet acknowledged (and, when asked, a copy of it);
    only ``ack_messages`` removes messages. ``fail_next_ack`` loses the next acknowledgement,
    as a dropped connection would.
    """

    def __init__(self, supplier_id: int, *, duplicate: bool = False) -> None:
        self._supplier_id = supplier_id
        self.duplicate = duplicate
        self.pending: dict[str, SupplierMessage] = {}
        self.acked: list[str] = []
        self.fetches = 0
        self.fail_next_ack = False
        self.fail_fetch = False
        self.on_ack: Callable[[Sequence[str]], Awaitable[None]] | None = None

    @property
    def supplier_id(self) -> int:
        return self._supplier_id

    def publish(self, *messages: SupplierMessage) -> None:
        for message in messages:
            self.pending[message.message_id] = message

    async def fetch_messages(self, types: Sequence[MessageType]) -> list[SupplierMessage]:
        self.fetches += 1
        if self.fail_fetch:
            raise ConnectionError("supplier unreachable")
        batch = [message for message in self.pending.values() if message.type in types]
        return batch + batch if self.duplicate else batch

    async def ack_messages(self, message_ids: Sequence[str]) -> None:
        if self.fail_next_ack:
            self.fail_next_ack = False
            raise ConnectionError("acknowledgement lost")
        if self.on_ack is not None:
            await self.on_ack(message_ids)
        for message_id in message_ids:
            self.pending.pop(message_id, None)
            self.acked.append(message_id)


def factory_for(
    feeds: dict[int, InMemoryFeed],
) -> Callable[[Supplier], Awaitable[SupplierAdapter]]:
    async def create(supplier: Supplier) -> SupplierAdapter:
        return cast(SupplierAdapter, feeds[supplier.id])

    return create


def price_changed(message_id: str, sku: str = "100012") -> SupplierMessage:
    return SupplierMessage(
        message_id=message_id,
        type=MessageType.PRICE_CHANGED,
        occurred_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        payload={"sku": sku},
        raw={"id": int(message_id), "type": 2, "result": {"skuId": int(sku)}},
    )


async def apply_price(session: AsyncSession, supplier_id: int, message: SupplierMessage) -> None:
    """A handler with a real side effect in the processing transaction."""
    await record_audit(
        session, SYSTEM, APPLIED, target_type="sku", target_id=message.payload["sku"]
    )


async def applied_count(database: Database) -> int:
    async with database.platform_transaction() as session:
        statement = select(func.count()).where(AuditEntry.action == APPLIED)
        return int(await session.scalar(statement) or 0)


async def log_rows(database: Database) -> dict[str, SupplierMessageLog]:
    async with database.platform_transaction() as session:
        rows = (await session.scalars(select(SupplierMessageLog))).all()
    return {row.message_id: row for row in rows}


async def make_supplier(database: Database, *, enabled: bool = True) -> int:
    async with database.platform_transaction() as session:
        # Unique per call: this module may be imported twice (as a conftest and as a module).
        data = SupplierCreate(name=f"仓库 {uuid.uuid4().hex[:8]}", kind=SupplierKind.WAREHOUSE)
        supplier = await suppliers.create_supplier(session, ADMIN, data, SecretBox("test"))
        if not enabled:
            await suppliers.set_supplier_enabled(session, ADMIN, supplier.id, False)
        return supplier.id


@pytest.fixture
async def supplier_id(database: Database) -> int:
    return await make_supplier(database)


@pytest.fixture
def registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, apply_price)
    return registry
