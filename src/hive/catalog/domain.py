"""The catalog: reference data, the product pool, selection, freshness, pool search,
distribution pools and the tenants' product libraries."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="catalog",
    models=[
        "hive.catalog.models",
        "hive.catalog.distribution.models",
        "hive.catalog.library.models",
        "hive.catalog.pricing.models",
    ],
    tasks=[
        "hive.catalog.freshness.tasks",
        "hive.catalog.selection.tasks",
        "hive.catalog.selection.bulk",
        "hive.catalog.pricing.tasks",
        "hive.catalog.pricing.preview_job",
        "hive.catalog.distribution.tasks",
    ],
    hcm_routers=[
        "hive.catalog.selection.routes:router",
        "hive.catalog.selection.rule_routes:router",
        "hive.catalog.pool.exports:router",
        "hive.catalog.pool.routes:router",
        "hive.catalog.search.routes:router",
        "hive.catalog.pricing.routes:router",
        "hive.catalog.pricing.preview_routes:router",
        "hive.catalog.distribution.routes:router",
        "hive.catalog.library.routes:router",
    ],
    hcm_resources=["hive.catalog.selection.routes:upstream_search"],
    feed_handlers=["hive.catalog.freshness.handlers"],
    menu=["hive.catalog.menu:MENU"],
)
