"""The Open API gateway: apps and keys, signed requests, rate limits, idempotency, routes."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="openapi",
    models=["hive.openapi.models"],
    tasks=["hive.openapi.tasks"],
    hcm_routers=["hive.openapi.workbench:router"],
    hag_routers=["hive.openapi.routes:router", "hive.openapi.image_routes:router"],
    hag_resources=["hive.openapi.gateway:open_gateway"],
    hag_middleware=["hive.openapi.gateway:RateLimitHeaders"],
    menu=["hive.openapi.menu:MENU"],
)
