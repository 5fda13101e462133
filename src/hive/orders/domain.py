"""Orders: the order, its sub-orders per supplier, the state machine, the timeline, the order
pages of the console and the workbench."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="orders",
    models=["hive.orders.models"],
    tasks=["hive.orders.sync_tasks", "hive.orders.submission_tasks"],
    feed_handlers=["hive.orders.messages"],
    hcm_routers=["hive.orders.routes:router", "hive.orders.workbench_routes:router"],
    menu=["hive.orders.menu:MENU"],
)
