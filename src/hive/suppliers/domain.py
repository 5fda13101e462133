"""Suppliers: the registry, their adapters (VOP, the self-run warehouse) and the console page."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="suppliers",
    models=["hive.suppliers.models", "hive.suppliers.warehouse.models"],
    tasks=["hive.suppliers.warehouse.tasks"],
    hcm_routers=["hive.suppliers.routes:router"],
    hcm_resources=["hive.suppliers.runtime:app_adapters"],
    menu=["hive.suppliers.menu:MENU"],
)
