"""Customers: tenants, customer grades, users and their roles; the tenants page."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="customers",
    models=["hive.customers.models"],
    tasks=["hive.customers.tasks"],
    hcm_routers=[
        "hive.customers.routes:router",
        "hive.customers.user_pages:router",
        "hive.customers.grade_pages:router",
    ],
    menu=["hive.customers.menu:MENU"],
)
