"""Webhooks: subscriptions (Open API and workbench), dispatch of tenant events, signed
deliveries with retries, a breaker and pausing per endpoint, the delivery log and replay."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="webhooks",
    models=["hive.webhooks.models"],
    tasks=["hive.webhooks.tasks"],
    hcm_routers=["hive.webhooks.workbench:router", "hive.webhooks.staff_pages:router"],
    hag_routers=["hive.webhooks.routes:router"],
    menu=["hive.webhooks.menu:MENU"],
)
