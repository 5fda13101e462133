"""Tenant events: the ``tenant_events`` table and its per-entity sequence counters."""

from hive.platform.domains import Domain

DOMAIN = Domain(name="events", models=["hive.events.models"])
