"""All SQL of the tenants' product libraries.

Statements are composed from fixed fragments of code only (conditions, the visibility rule);
every value is a bound parameter, hence the ``S608`` waivers.

Which products a tenant may take is decided by ``tenant_visible_products`` (the distribution
pools' one rule); whether an item can be sold, and why not, by :data:`REASON`, used both when
an item is added and when the products or pools under items change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution.visibility import visible_condition
from hive.events.service import event_ctes
from hive.platform import driver


def tenant_price(tenant: str) -> str:
    """What the tenant ``tenant`` (an SQL expression) pays us for product ``p``, in fen: the
    pricing engine's ``tenant_price_fen`` (its special price, else its grade's price), or the
    supplier's retail price — the ceiling of every price — while the product has none yet."""
    return f"coalesce(tenant_price_fen({tenant}, p.id), p.retail_price_fen)"


def reason_sql(tenant: str) -> str:
    """Why product ``p`` cannot be sold to the tenant ``tenant`` (an SQL expression), NULL when
    it can: the first of withdrawn (not active in our pool), not in the tenant's pools, off
    shelf upstream, out of stock in every area (library.models.UnavailableReason)."""
    return f"""CASE
        WHEN p.status <> 'active' THEN 'withdrawn'
        WHEN NOT EXISTS (SELECT 1 FROM tenant_visible_products({tenant}) v
                          WHERE v.product_id = p.id) THEN 'not_in_pools'
        WHEN NOT p.on_shelf OR NOT p.in_supplier_pool THEN 'off_shelf'
        WHEN coalesce(cardinality(p.orderable_province_ids), 0) = 0 THEN 'out_of_stock'
    END"""  # noqa: S608


# Filters of the items to re-check (each a condition on ``li`` and ``p``).
ITEM_FILTERS = {
    "products": "li.product_id = ANY(:products)",
    "tenants": "li.tenant_id = ANY(:tenants)",
    "skus": "p.supplier_id = :supplier AND p.supplier_sku = ANY(:skus)",
}

SYNC = """
WITH target AS (
    SELECT li.id, li.unavailable_reason AS old_reason, {reason} AS reason
      FROM library_items li JOIN products p ON p.id = li.product_id
     WHERE {where}
     ORDER BY li.id
       FOR UPDATE OF li
),
changed AS (
    UPDATE library_items li
       SET status = CASE WHEN t.reason IS NULL THEN 'available' ELSE 'unavailable' END,
           unavailable_reason = t.reason, status_changed_at = now(), updated_at = now()
      FROM target t
     WHERE li.id = t.id AND t.old_reason IS DISTINCT FROM t.reason
    RETURNING li.id, li.tenant_id, li.product_id, li.status, t.reason, t.old_reason
),
item_events (tenant_id, type, entity_type, entity_id, payload) AS (
    SELECT tenant_id,
           CASE WHEN reason IS NULL THEN 'library.item_available'
                ELSE 'library.item_unavailable' END,
           'product', product_id,
           jsonb_build_object('library_item_id', id, 'status', status, 'reason', reason,
                              'previous_reason', old_reason)
      FROM changed
),
{events}
SELECT count(*) FROM changed
"""


async def sync_items(session: AsyncSession, by: str, params: dict[str, Any]) -> int:
    """Re-decide the availability of the items selected by ``ITEM_FILTERS[by]``; items whose
    status or reason changed are updated and raise a tenant event each, in one statement."""
    statement = SYNC.format(
        reason=reason_sql("li.tenant_id"), where=ITEM_FILTERS[by], events=event_ctes("item_events")
    )
    return int(await session.scalar(text(statement), params) or 0)


ADD = """
INSERT INTO library_items (tenant_id, product_id, retail_price_fen, status, unavailable_reason)
SELECT :tenant, p.id, greatest(p.retail_price_fen, {price}),
       CASE WHEN r.reason IS NULL THEN 'available' ELSE 'unavailable' END, r.reason
  FROM products p CROSS JOIN LATERAL (SELECT {reason} AS reason) r
 WHERE {where} AND {visible}
 ORDER BY p.id
 LIMIT :limit
ON CONFLICT (tenant_id, product_id) DO NOTHING
"""


async def add_items(
    session: AsyncSession, tenant_id: int, where: str, params: dict[str, Any], *, limit: int
) -> int:
    """Add the visible products matching ``where`` (a condition on ``p`` written in code) to
    the tenant's library, at most ``limit``; items already there are kept. Returns how many
    were added."""
    statement = ADD.format(
        price=tenant_price(":tenant"),
        reason=reason_sql(":tenant"),
        where=where,
        visible=visible_condition(":tenant"),
    )
    result = await session.execute(text(statement), {**params, "tenant": tenant_id, "limit": limit})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def count_visible(
    session: AsyncSession, tenant_id: int, where: str, params: dict[str, Any]
) -> int:
    statement = (
        f"SELECT count(*) FROM products p WHERE {where} "  # noqa: S608
        f"AND {visible_condition(':tenant')}"
    )
    return int(await session.scalar(text(statement), {**params, "tenant": tenant_id}) or 0)


async def remove_items(session: AsyncSession, tenant_id: int, product_ids: Iterable[int]) -> int:
    result = await session.execute(
        text("DELETE FROM library_items WHERE tenant_id = :tenant AND product_id = ANY(:ids)"),
        {"tenant": tenant_id, "ids": list(product_ids)},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def item_with_cost(
    session: AsyncSession, tenant_id: int, product_id: int, *, lock: bool = False
) -> Row[Any] | None:
    """The tenant's item of ``product_id`` with the tenant's cost (fen), or None."""
    statement = (
        f"SELECT li.id, li.retail_price_fen, {tenant_price(':tenant')} AS cost_fen "  # noqa: S608
        "FROM library_items li JOIN products p ON p.id = li.product_id "
        "WHERE li.tenant_id = :tenant AND li.product_id = :product"
        + (" FOR UPDATE OF li" if lock else "")
    )
    params = {"tenant": tenant_id, "product": product_id}
    return (await session.execute(text(statement), params)).one_or_none()


async def set_price(session: AsyncSession, item_id: int, fen: int) -> None:
    await session.execute(
        text("UPDATE library_items SET retail_price_fen = :fen, updated_at = now() WHERE id = :id"),
        {"fen": fen, "id": item_id},
    )


LIST = """
SELECT li.product_id, li.retail_price_fen, li.status, li.unavailable_reason, li.added_at,
       p.name, p.brand, p.image_url, coalesce(c.name, '') AS category_name,
       {price} AS cost_fen, p.retail_price_fen AS market_price_fen
  FROM library_items li
  JOIN products p ON p.id = li.product_id
  LEFT JOIN categories c ON c.id = p.category_id
 WHERE li.tenant_id = :tenant {status}
 ORDER BY li.status DESC, li.added_at DESC, li.product_id DESC
 OFFSET :offset LIMIT :limit
"""


async def list_items(
    session: AsyncSession, tenant_id: int, *, status: str | None, offset: int, limit: int
) -> tuple[int, Sequence[Row[Any]]]:
    """A page of the tenant's items (unavailable first, newest first) and their count."""
    condition = "AND li.status = :status" if status else ""
    params: dict[str, Any] = {"tenant": tenant_id, "status": status}
    count = await session.scalar(
        text(f"SELECT count(*) FROM library_items li WHERE li.tenant_id = :tenant {condition}"),  # noqa: S608
        params,
    )
    statement = LIST.format(price=tenant_price(":tenant"), status=condition)
    rows = await session.execute(text(statement), {**params, "offset": offset, "limit": limit})
    return int(count or 0), rows.all()


async def held_product_ids(
    session: AsyncSession, tenant_id: int, product_ids: Iterable[int]
) -> set[int]:
    """Which of ``product_ids`` the tenant's library holds."""
    statement = text(
        "SELECT product_id FROM library_items WHERE tenant_id = :tenant AND product_id = ANY(:ids)"
    )
    rows = await session.execute(statement, {"tenant": tenant_id, "ids": list(product_ids)})
    return set(rows.scalars())


ORDERABLE = """
SELECT li.product_id, p.supplier_id, p.supplier_sku, {price} AS price_fen,
       p.purchase_price_fen
  FROM library_items li JOIN products p ON p.id = li.product_id
 WHERE li.tenant_id = :tenant AND li.product_id = ANY(:ids) AND li.status = 'available'
"""

# On the order path (asked twice per order): compiled once, run on the driver's connection.
_ORDERABLE = driver.Statement(text(ORDERABLE.format(price=tenant_price(":tenant"))))


async def orderable_products(
    session: AsyncSession, tenant_id: int, product_ids: Iterable[int]
) -> list[tuple[Any, ...]]:
    """``(product_id, supplier_id, supplier_sku, price_fen, purchase_price_fen)`` of the
    products the tenant's library holds and can sell now (as the platform: the supplier and
    the purchase price are hidden from tenants)."""
    params = {"tenant": tenant_id, "ids": list(product_ids)}
    return await driver.fetch_all(session, _ORDERABLE, params)


async def category_exists(session: AsyncSession, category_id: int) -> bool:
    found = await session.scalar(
        text("SELECT 1 FROM categories WHERE id = :id"), {"id": category_id}
    )
    return found is not None


PRODUCT = """
SELECT p.id, p.name, p.brand, p.category_id, coalesce(c.name, '') AS category_name,
       p.image_url, p.images, p.attributes, p.retail_price_fen, p.on_shelf, p.in_supplier_pool,
       coalesce(cardinality(p.orderable_province_ids), 0) AS orderable_areas,
       {price} AS price_fen
  FROM products p LEFT JOIN categories c ON c.id = p.category_id
 WHERE p.id = :product AND p.status = 'active' AND {visible}
"""


async def visible_product(
    session: AsyncSession, tenant_id: int, product_id: int
) -> Row[Any] | None:
    """An active product the tenant may see, with the tenant's price (fen); columns the
    tenant role may read only."""
    statement = PRODUCT.format(price=tenant_price(":tenant"), visible=visible_condition(":tenant"))
    params = {"product": product_id, "tenant": tenant_id}
    return (await session.execute(text(statement), params)).one_or_none()


async def count_by_status(session: AsyncSession, tenant_id: int) -> dict[str, int]:
    """``{status: items}`` of the tenant's library (available, unavailable)."""
    rows = await session.execute(
        text(
            "SELECT status, count(*) FROM library_items WHERE tenant_id = :tenant GROUP BY status"
        ),
        {"tenant": tenant_id},
    )
    return {str(status): int(count) for status, count in rows.all()}
