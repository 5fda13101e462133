"""Customers: tenants, customer grades, users and their roles."""

from hive.platform.domains import Domain

DOMAIN = Domain(name="customers", models=["hive.customers.models"], tasks=["hive.customers.tasks"])
