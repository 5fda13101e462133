"""Supplier change-feed ingestion (MCS): pull or push, idempotent processing, the raw log.

Domains subscribe with :func:`hive.feed.handlers.register_handler`; the consumers in
:mod:`hive.feed.polling` (polling) and :mod:`hive.feed.push` (RabbitMQ) feed every message
through :class:`hive.feed.ingestion.MessageProcessor`.
"""
