"""Billing: accounts, the double-entry ledger, freezes, the daily ledger check, finance pages."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="billing",
    models=["hive.billing.models"],
    tasks=["hive.billing.tasks"],
    hcm_routers=["hive.billing.exports:router", "hive.billing.routes:router"],
    hag_routers=["hive.billing.open_routes:router"],
    menu=["hive.billing.menu:MENU"],
)
