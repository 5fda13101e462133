"""What a tenant's own systems read of the catalog (the Open API): products it may see, with its
price and its library's view of them, its library searched, and stock for an area.

Every read runs in the tenant's transaction, so row-level security and the tenant role's column
grants apply; visibility is the distribution pools' one rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import tenant_view_repository as repository
from hive.suppliers.types import StockState


@dataclass(frozen=True, slots=True)
class TenantProduct:
    """A product as the tenant sees it. Money in fen; ``price_fen`` is the tenant's price (None
    while the product has none yet), ``market_price_fen`` the supplier's public price."""

    id: int
    name: str
    brand: str
    category_id: int | None
    category_name: str
    image_url: str
    images: list[str]
    market_price_fen: int
    price_fen: int | None
    sellable: bool
    in_library: bool
    library_status: str | None
    unavailable_reason: str | None
    own_retail_price_fen: int | None
    stock: dict[str, Any]
    orderable_province_ids: list[int] | None


@dataclass(frozen=True, slots=True)
class LibraryFilters:
    keyword: str = ""
    category_id: int | None = None
    brand: str = ""
    min_price_fen: int | None = None
    max_price_fen: int | None = None


@dataclass(frozen=True, slots=True)
class StockAnswer:
    """Stock of one product for one province: ``state`` a supplier stock state or ``unknown``
    (the pool keeps no stock for that province), ``available`` whether ``quantity`` can be
    ordered there."""

    product_id: int
    quantity: int
    state: str
    remaining: int | None
    available: bool


def _product(row: Any) -> TenantProduct:
    return TenantProduct(**{name: getattr(row, name) for name in TenantProduct.__slots__})


async def tenant_products(
    session: AsyncSession, tenant_id: int, product_ids: Sequence[int]
) -> dict[int, TenantProduct]:
    """The active products among ``product_ids`` that the tenant may see, by id (others are
    simply absent: unknown, removed and invisible look the same)."""
    if not product_ids:
        return {}
    rows = await repository.products_by_id(session, tenant_id, product_ids)
    return {row.id: _product(row) for row in rows}


async def search_library(
    session: AsyncSession, tenant_id: int, filters: LibraryFilters, *, page: int, page_size: int
) -> tuple[int, list[TenantProduct]]:
    """A page of the tenant's library (newest first) and the number of matches; price filters
    are on the tenant's price."""
    values = {
        "keyword": filters.keyword.strip(),
        "category": filters.category_id,
        "brand": filters.brand.strip(),
        "min_price": filters.min_price_fen,
        "max_price": filters.max_price_fen,
    }
    total, rows = await repository.library_products(
        session, tenant_id, values, (page - 1) * page_size, page_size
    )
    return total, [_product(row) for row in rows]


def stock_answer(product: TenantProduct, quantity: int, province_id: int) -> StockAnswer:
    """Stock of ``product`` for ``quantity`` in ``province_id``, from what the pool keeps."""
    kept = product.stock.get(str(province_id))
    if not isinstance(kept, dict) or "state" not in kept:
        return StockAnswer(product.id, quantity, "unknown", None, False)
    state = StockState(kept["state"])
    remaining = kept.get("remaining")
    enough = remaining is None or remaining < 0 or remaining >= quantity
    return StockAnswer(
        product.id,
        quantity,
        state.value,
        remaining,
        product.sellable and state.can_order and enough,
    )
