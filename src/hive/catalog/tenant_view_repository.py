"""All SQL of what a tenant's integration reads of the catalog (``catalog.tenant_view``).

Runs in the tenant's transaction: only the ``products`` columns granted to the tenant role
(migration 0007), the tenant's own library rows (row-level security), and the one visibility
rule of the distribution pools (``tenant_visible_products``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution.visibility import visible_condition

_PRICE = "tenant_price_fen(:tenant, p.id)"
COLUMNS = (
    "p.id, p.name, p.brand, p.category_id, coalesce(c.name, '') AS category_name, "
    f"p.image_url, p.images, p.retail_price_fen AS market_price_fen, {_PRICE} AS price_fen, "
    "p.on_shelf AND p.in_supplier_pool AS sellable, p.stock, p.orderable_province_ids, "
    "li.product_id IS NOT NULL AS in_library, li.status AS library_status, "
    "li.unavailable_reason, li.retail_price_fen AS own_retail_price_fen"
)
_FROM = (
    "FROM products p LEFT JOIN categories c ON c.id = p.category_id "
    "LEFT JOIN library_items li ON li.product_id = p.id AND li.tenant_id = :tenant"
)
# A category and its whole subtree (3 levels).
_SUBTREE = (
    "p.category_id IN (SELECT c3.id FROM categories c3 LEFT JOIN categories c2 "
    "ON c2.id = c3.parent_id WHERE :category IN (c3.id, c3.parent_id, c2.parent_id))"
)


async def products_by_id(
    session: AsyncSession, tenant_id: int, product_ids: Sequence[int]
) -> Sequence[Row[Any]]:
    """Active products among ``product_ids`` that the tenant may see, with its price."""
    statement = text(
        f"SELECT {COLUMNS} {_FROM} WHERE p.id = ANY(:ids) AND p.status = 'active' "
        f"AND {visible_condition(':tenant')}"
    )
    return (await session.execute(statement, {"tenant": tenant_id, "ids": list(product_ids)})).all()


def _filters(filters: dict[str, Any]) -> list[str]:
    conditions = []
    if filters.get("keyword"):
        conditions.append("p.name ILIKE :keyword")
    if filters.get("category") is not None:
        conditions.append(_SUBTREE)
    if filters.get("brand"):
        conditions.append("p.brand = :brand")
    if filters.get("min_price") is not None:
        conditions.append(f"{_PRICE} >= :min_price")
    if filters.get("max_price") is not None:
        conditions.append(f"{_PRICE} <= :max_price")
    return conditions


async def library_products(
    session: AsyncSession, tenant_id: int, filters: dict[str, Any], offset: int, limit: int
) -> tuple[int, Sequence[Row[Any]]]:
    """A page of the tenant's library matching ``filters`` (keyword, category, brand,
    min_price, max_price: the tenant's price in fen), newest first, and the match count."""
    where = " AND ".join(["li.tenant_id = :tenant", *_filters(filters)])
    params = {**filters, "tenant": tenant_id, "offset": offset, "limit": limit}
    if filters.get("keyword"):
        params["keyword"] = "%" + _escape_like(filters["keyword"]) + "%"
    join = f"{_FROM.replace('LEFT JOIN library_items', 'JOIN library_items')}"
    total = await session.scalar(text(f"SELECT count(*) {join} WHERE {where}"), params)
    rows = await session.execute(
        text(
            f"SELECT {COLUMNS} {join} WHERE {where} "
            "ORDER BY li.added_at DESC, p.id DESC OFFSET :offset LIMIT :limit"
        ),
        params,
    )
    return int(total or 0), rows.all()


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
