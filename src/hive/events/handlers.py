"""Which domain code runs for which change-feed message type.

A handler runs inside the transaction that records the message in the log, so its writes and
the "processed" mark commit together or not at all. Handlers must therefore not commit, and
should not call the supplier (a slow call would hold the transaction open): defer a job in the
same transaction instead (:func:`hive.platform.jobs.defer_in_transaction`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.types import MessageType, SupplierMessage

MessageHandler = Callable[[AsyncSession, int, SupplierMessage], Awaitable[None]]


class HandlerRegistry:
    """Handlers per message type, run in registration order."""

    def __init__(self) -> None:
        self._handlers: dict[MessageType, list[MessageHandler]] = {}

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

    @property
    def types(self) -> frozenset[MessageType]:
        return frozenset(kind for kind, handlers in self._handlers.items() if handlers)


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
