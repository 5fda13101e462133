"""Keeping library items' availability true to their products and the tenants' pools.

Called where those change, in the same transaction: the pool's apply paths (status, shelf,
supplier pool, stock: :func:`products_changed`, :func:`supplier_skus_changed`) and the
distribution pools' changes (:func:`tenants_changed`). Each call is one set-based statement:
every item whose status or reason changes is updated and raises ``library.item_unavailable``
or ``library.item_available`` for its tenant.

This module depends on nothing of the catalog but the library's repository, so the pool and the
distribution pools can call it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.library import repository

# Product fields whose change can make an item available or not (the category decides which
# category pools show a product).
AVAILABILITY_FIELDS = frozenset({"status", "on_shelf", "in_supplier_pool", "stock", "category_id"})


async def products_changed(session: AsyncSession, product_ids: Collection[int]) -> int:
    """Re-check every library item of these products; returns how many items changed."""
    if not product_ids:
        return 0
    return await repository.sync_items(session, "products", {"products": list(product_ids)})


async def supplier_skus_changed(
    session: AsyncSession, supplier_id: int, skus: Collection[str]
) -> int:
    """Re-check every library item of the supplier's products ``skus``."""
    if not skus:
        return 0
    params = {"supplier": supplier_id, "skus": list(skus)}
    return await repository.sync_items(session, "skus", params)


async def tenants_changed(session: AsyncSession, tenant_ids: Collection[int]) -> int:
    """Re-check every library item of these tenants (their pools changed)."""
    if not tenant_ids:
        return 0
    return await repository.sync_items(session, "tenants", {"tenants": list(tenant_ids)})
