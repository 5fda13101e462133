"""The platform's own tables and jobs (audit log, domain events, job housekeeping and
stalled-job recovery)."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="platform",
    models=[
        "hive.platform.audit",
        "hive.platform.domain_events",
        "hive.platform.stalled_jobs",
        "hive.platform.progress_model",
    ],
    tasks=["hive.platform.tasks"],
)
