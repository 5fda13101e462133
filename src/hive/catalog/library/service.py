"""The tenant's product library: take products from the visible pools (one, a page, a whole
category), set the tenant's own retail price, remove them, list them.

Every function acts for ``actor.tenant_id`` and runs in the tenant's transaction (row-level
security) or a platform one alike. Refused input writes nothing: an id that is not visible to
the tenant (unknown, another tenant's exclusive product) refuses the whole request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution import service as distribution
from hive.catalog.errors import ProductNotFound
from hive.catalog.library import repository
from hive.catalog.library.errors import InvalidLibraryInput, LibraryItemNotFound
from hive.catalog.library.models import ItemStatus
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.errors import PermissionDenied
from hive.platform.money import MAX_ABS_FEN, format_money
from hive.platform.permissions import Action, require
from hive.platform.validation import INT64_MAX, Problem

MAX_PER_REQUEST = 100
# A whole category is added in one statement; beyond this many products the tenant narrows
# the category (or the pool is so wide that a library of everything means nothing).
MAX_CATEGORY_ADD = 5_000
PAGE_SIZE = 20
CATEGORY_TREE = (
    "p.category_id IN (SELECT c.id FROM categories c "
    "LEFT JOIN categories parent ON parent.id = c.parent_id "
    "WHERE :category IN (c.id, c.parent_id, parent.parent_id))"
)


def _tenant(actor: Actor) -> int:
    require(actor, Action.MANAGE_LIBRARY)
    if actor.tenant_id is None:  # the matrix gives this action to tenant roles only
        raise PermissionDenied(details={"action": Action.MANAGE_LIBRARY.value})
    return actor.tenant_id


def _check_ids(product_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        raise InvalidLibraryInput([Problem("product_ids", "required")])
    if len(ids) > MAX_PER_REQUEST:
        raise InvalidLibraryInput([Problem("product_ids", "too_large", {"max": MAX_PER_REQUEST})])
    bad = [
        i for i in ids if isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= INT64_MAX
    ]
    if bad:
        raise InvalidLibraryInput([Problem("product_ids", "not_an_integer")])
    return ids


async def add_products(session: AsyncSession, actor: Actor, product_ids: Sequence[int]) -> int:
    """Add products (one, or a page of them: at most 100) to the actor's library at their
    default price (the higher of the market price and the tenant's cost). Products already
    there are kept as they are. Returns how many were added. Raises
    :class:`InvalidLibraryInput` (``not_visible``) when any id is not in the tenant's pools —
    nothing is added then."""
    tenant_id = _tenant(actor)
    ids = _check_ids(product_ids)
    visible = await distribution.visible_product_ids(session, tenant_id, ids)
    hidden = [i for i in ids if i not in visible]
    if hidden:
        listed = ", ".join(str(i) for i in hidden[:10])
        raise InvalidLibraryInput([Problem("product_ids", "not_visible", {"ids": listed})])
    added = await repository.add_items(
        session, tenant_id, "p.id = ANY(:ids)", {"ids": ids}, limit=len(ids)
    )
    await _audit(session, actor, "library.added", {"product_ids": ids, "added": added})
    return added


async def add_category(session: AsyncSession, actor: Actor, category_id: int) -> int:
    """Add every visible active product under a category (its whole subtree), at most 5,000.
    Raises :class:`InvalidLibraryInput`: ``not_found`` for no such category, ``too_many``."""
    tenant_id = _tenant(actor)
    if isinstance(category_id, bool) or not 1 <= category_id <= INT64_MAX:
        raise InvalidLibraryInput([Problem("category_id", "not_an_integer")])
    where = f"{CATEGORY_TREE} AND p.status = 'active'"
    params = {"category": category_id}
    count = await repository.count_visible(session, tenant_id, where, params)
    if count == 0 and not await repository.category_exists(session, category_id):
        raise InvalidLibraryInput([Problem("category_id", "not_found", {"ids": category_id})])
    if count > MAX_CATEGORY_ADD:
        problem = Problem("category_id", "too_many", {"count": count, "max": MAX_CATEGORY_ADD})
        raise InvalidLibraryInput([problem])
    added = await repository.add_items(session, tenant_id, where, params, limit=MAX_CATEGORY_ADD)
    await _audit(
        session, actor, "library.category_added", {"category_id": category_id, "added": added}
    )
    return added


async def remove_products(session: AsyncSession, actor: Actor, product_ids: Sequence[int]) -> int:
    """Remove products from the actor's library; returns how many were there."""
    tenant_id = _tenant(actor)
    ids = _check_ids(product_ids)
    removed = await repository.remove_items(session, tenant_id, ids)
    await _audit(session, actor, "library.removed", {"product_ids": ids, "removed": removed})
    return removed


async def set_retail_price(
    session: AsyncSession, actor: Actor, product_id: int, price_fen: int
) -> None:
    """Set the tenant's own retail price (fen) of a library item. Raises
    :class:`LibraryItemNotFound`, or :class:`InvalidLibraryInput`: ``below_cost`` (below what
    the tenant pays us), ``too_large``, ``not_an_integer``."""
    tenant_id = _tenant(actor)
    if isinstance(price_fen, bool) or not isinstance(price_fen, int):
        raise InvalidLibraryInput([Problem("retail_price", "not_an_integer")])
    if price_fen > MAX_ABS_FEN:
        raise InvalidLibraryInput(
            [Problem("retail_price", "too_large", {"max": format_money(MAX_ABS_FEN)})]
        )
    item = await repository.item_with_cost(session, tenant_id, product_id, lock=True)
    if item is None:
        raise LibraryItemNotFound(details={"product_id": product_id})
    if price_fen < item.cost_fen:
        problem = Problem("retail_price", "below_cost", {"cost": format_money(item.cost_fen)})
        raise InvalidLibraryInput([problem])
    await repository.set_price(session, item.id, price_fen)
    details = {"product_id": product_id, "from_fen": item.retail_price_fen, "to_fen": price_fen}
    await _audit(session, actor, "library.price_set", details)


@dataclass(frozen=True, slots=True)
class LibraryPage:
    total: int
    items: Sequence[Row[Any]]
    page: int
    page_size: int


async def library_page(
    session: AsyncSession, tenant_id: int, *, status: ItemStatus | None = None, page: int = 1
) -> LibraryPage:
    """A page of the tenant's library (unavailable items first, then newest), each with its
    own retail price, the tenant's cost and the market price (fen)."""
    offset = (page - 1) * PAGE_SIZE
    total, items = await repository.list_items(
        session, tenant_id, status=status.value if status else None, offset=offset, limit=PAGE_SIZE
    )
    return LibraryPage(total=total, items=items, page=page, page_size=PAGE_SIZE)


async def held(session: AsyncSession, tenant_id: int, product_ids: Sequence[int]) -> set[int]:
    """Which of ``product_ids`` the tenant's library holds."""
    if not product_ids:
        return set()
    return await repository.held_product_ids(session, tenant_id, product_ids)


@dataclass(frozen=True, slots=True)
class Orderable:
    """A library product a tenant can order now: its supplier, the supplier's SKU and the
    tenant's price and our purchase price (fen)."""

    product_id: int
    supplier_id: int
    supplier_sku: str
    price_fen: int
    purchase_price_fen: int  # what the supplier charges us (never shown to tenants)


async def orderable(
    session: AsyncSession, tenant_id: int, product_ids: Sequence[int]
) -> dict[int, Orderable]:
    """Which of ``product_ids`` the tenant may order now (in its library and available: active
    in the pool, in its pools, on shelf, in stock somewhere), with supplier and price. Needs the
    platform role (a tenant may not read the supplier)."""
    if not product_ids:
        return {}
    rows = await repository.orderable_products(session, tenant_id, product_ids)
    return {
        int(row[0]): Orderable(int(row[0]), int(row[1]), str(row[2]), int(row[3]), int(row[4]))
        for row in rows
    }


async def _audit(session: AsyncSession, actor: Actor, action: str, details: dict[str, Any]) -> None:
    await record_audit(
        session, actor, action, target_type="library", target_id=actor.tenant_id, details=details
    )


async def product_for_tenant(session: AsyncSession, tenant_id: int, product_id: int) -> Row[Any]:
    """The product page of a tenant: an active product of its pools with its price (fen).
    Raises :class:`ProductNotFound` for a product it may not see (the same answer as for one
    that does not exist)."""
    product = await repository.visible_product(session, tenant_id, product_id)
    if product is None:
        raise ProductNotFound(details={"product_id": product_id})
    return product


async def library_counts(session: AsyncSession, tenant_id: int) -> dict[str, int]:
    """How many of the tenant's library items are in each status (``available``,
    ``unavailable``); statuses without items left out."""
    return await repository.count_by_status(session, tenant_id)
