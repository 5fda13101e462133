"""Billing: balance accounts."""

from hive.platform.domains import Domain

DOMAIN = Domain(name="billing", models=["hive.billing.models"])
