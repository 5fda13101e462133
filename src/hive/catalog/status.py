"""A pool product's status: one enum and one table of the moves allowed between its values,
used by every module that reads or changes it (pool, search, freshness, selection)."""

from __future__ import annotations

from enum import StrEnum


class ProductStatus(StrEnum):
    ACTIVE = "active"  # in the pool, sold to tenants
    PAUSED = "paused"  # in the pool, not sold for now (operators)
    REMOVED = "removed"  # out of the pool; history and orders keep the row


# Allowed moves: from a status to those it may become.
TRANSITIONS: dict[ProductStatus, frozenset[ProductStatus]] = {
    ProductStatus.ACTIVE: frozenset({ProductStatus.PAUSED, ProductStatus.REMOVED}),
    ProductStatus.PAUSED: frozenset({ProductStatus.ACTIVE, ProductStatus.REMOVED}),
    ProductStatus.REMOVED: frozenset({ProductStatus.ACTIVE}),
}
# Statuses of products that are in the pool (not removed).
IN_POOL = (ProductStatus.ACTIVE, ProductStatus.PAUSED)


def can_change(current: str, new: str) -> bool:
    """Whether a product of status ``current`` may move to ``new``."""
    try:
        return ProductStatus(new) in TRANSITIONS[ProductStatus(current)]
    except ValueError:
        return False


def check_constraint() -> str:
    """The table's CHECK expression, from the enum (the database refuses any other value)."""
    return "status IN (" + ", ".join(f"'{s.value}'" for s in ProductStatus) + ")"
