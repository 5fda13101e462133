"""The platform's own tables and jobs (audit log, domain events, job housekeeping)."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="platform",
    models=["hive.platform.audit", "hive.platform.domain_events"],
    tasks=["hive.platform.tasks"],
)
