"""Supplier change-feed ingestion (MCS): pull or push, idempotent processing, the raw log.

Domains subscribe with :func:`hive.events.handlers.register_handler`; the consumers in
:mod:`hive.events.feed` (polling) and :mod:`hive.events.push` (RabbitMQ) feed every message
through :class:`hive.events.ingestion.MessageProcessor`.
"""
