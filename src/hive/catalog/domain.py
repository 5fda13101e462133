"""The catalog: reference data, the product pool, selection, freshness and pool search."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="catalog",
    models=["hive.catalog.models"],
    tasks=["hive.catalog.freshness.tasks", "hive.catalog.selection.tasks"],
    hcm_routers=[
        "hive.console.catalog:router",
        "hive.console.pool:router",
        "hive.console.workbench:router",
    ],
    hcm_resources=["hive.console.catalog:upstream_search"],
    feed_handlers=["hive.catalog.freshness.handlers"],
)
