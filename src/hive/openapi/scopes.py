"""What an app may do: one scope per group of Open API routes."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    CATALOG_READ = "catalog:read"  # categories, products, prices, stock
    LIBRARY_WRITE = "library:write"  # add and remove library items
    MESSAGES_READ = "messages:read"  # the pull feed of tenant events
    WEBHOOKS_MANAGE = "webhooks:manage"  # webhook subscriptions
    ACCOUNT_READ = "account:read"  # the tenant's balances and account statement
    ORDERS_READ = "orders:read"  # the tenant's orders
    ORDERS_WRITE = "orders:write"  # place and cancel orders


ALL_SCOPES: tuple[Scope, ...] = tuple(Scope)
