"""Which domain code runs for which change-feed message type.

A handler runs inside the transaction that records the message in the log, so its writes and
the "processed" mark commit together or not at all. Handlers must therefore not commit, and
should not call the supplier (a slow call would hold the transaction open): defer a job in the
same transaction instead (:func:`hive.platform.jobs.defer_in_transaction`).

A *batch handler* takes every message of its type from one batch at once (set-based SQL for
thousands of messages a second); a type whose handlers are all batch handlers is processed many
messages per transaction, any other type one message per transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.types import MessageType, SupplierMessage

MessageHandler = Callable[[AsyncSession, int, SupplierMessage], Awaitable[None]]
# ``async def handler(session, supplier_id, messages) -> None``; messages in delivery order.
BatchHandler = Callable[[AsyncSession, int, Sequence[SupplierMessage]], Awaitable[None]]


class HandlerRegistry:
    """Handlers per message type, run in registration order."""

    def __init__(self) -> None:
        self._handlers: dict[MessageType, list[MessageHandler]] = {}
        self._batch_handlers: dict[MessageType, list[BatchHandler]] = {}

    def register(self, message_type: MessageType, handler: MessageHandler) -> None:
        """Subscribe ``handler`` to ``message_type``; registering the same one twice is a no-op."""
        handlers = self._handlers.setdefault(MessageType(message_type), [])
        if handler not in handlers:
            handlers.append(handler)

    def unregister(self, message_type: MessageType, handler: MessageHandler) -> None:
        handlers = self._handlers.get(MessageType(message_type), [])
        if handler in handlers:
            handlers.remove(handler)

    def handlers_for(self, message_type: MessageType) -> tuple[MessageHandler, ...]:
        return tuple(self._handlers.get(message_type, ()))

    def register_batch(self, message_type: MessageType, handler: BatchHandler) -> None:
        """Subscribe a batch handler to ``message_type``; registering it twice is a no-op."""
        handlers = self._batch_handlers.setdefault(MessageType(message_type), [])
        if handler not in handlers:
            handlers.append(handler)

    def unregister_batch(self, message_type: MessageType, handler: BatchHandler) -> None:
        handlers = self._batch_handlers.get(MessageType(message_type), [])
        if handler in handlers:
            handlers.remove(handler)

    def batch_handlers_for(self, message_type: MessageType) -> tuple[BatchHandler, ...]:
        return tuple(self._batch_handlers.get(message_type, ()))

    def handles(self, message_type: MessageType) -> bool:
        """Whether any handler, single or batch, is subscribed to ``message_type``."""
        return bool(self._handlers.get(message_type) or self._batch_handlers.get(message_type))

    def batchable(self, message_type: MessageType) -> bool:
        """Whether messages of this type may share a transaction (no per-message handler)."""
        return not self._handlers.get(message_type)

    @property
    def types(self) -> frozenset[MessageType]:
        kinds = set(self._handlers) | set(self._batch_handlers)
        return frozenset(kind for kind in kinds if self.handles(kind))


# The process-wide registry the domains subscribe to at import time.
default_registry = HandlerRegistry()


def register_handler(message_type: MessageType, handler: MessageHandler) -> MessageHandler:
    """Subscribe ``handler`` to ``message_type`` in the process-wide registry.

    ``async def handler(session, supplier_id, message) -> None``; returns the handler so it can
    also be used as ``register_handler(MessageType.PRICE_CHANGED, apply_price_change)`` at
    module level.
    """
    default_registry.register(message_type, handler)
    return handler


def register_batch_handler(message_type: MessageType, handler: BatchHandler) -> BatchHandler:
    """Subscribe a batch handler to ``message_type`` in the process-wide registry."""
    default_registry.register_batch(message_type, handler)
    return handler
