"""SQL of the warehouse's own catalogue search (small: an ILIKE scan with exact counts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.types import SearchQuery, SearchSort
from hive.suppliers.warehouse.models import WarehouseProduct as P


@dataclass(frozen=True, slots=True)
class SearchRows:
    total: int
    products: list[P]
    brands: list[tuple[str, int]]
    categories: list[tuple[int, int]]


def _like_pattern(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(supplier_id: int, query: SearchQuery) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [P.supplier_id == supplier_id, P.on_shelf.is_(True)]
    for word in query.keyword.split():
        pattern = _like_pattern(word)
        conditions.append(
            or_(
                P.name.ilike(pattern, escape="\\"),
                P.brand.ilike(pattern, escape="\\"),
                P.sku.ilike(pattern, escape="\\"),
            )
        )
    if query.category_id is not None:
        conditions.append(P.category_id == query.category_id)
    if query.brands:
        conditions.append(P.brand.in_(list(query.brands)))
    if query.min_price_fen is not None:
        conditions.append(P.unit_price_fen >= query.min_price_fen)
    if query.max_price_fen is not None:
        conditions.append(P.unit_price_fen <= query.max_price_fen)
    return and_(*conditions)


_ORDER = {
    SearchSort.RELEVANCE: (P.id,),
    SearchSort.SALES_DESC: (P.id,),  # no sales figures kept yet: stable id order
    SearchSort.PRICE_ASC: (P.unit_price_fen, P.id),
    SearchSort.PRICE_DESC: (P.unit_price_fen.desc(), P.id),
    SearchSort.NEWEST: (P.created_at.desc(), P.id.desc()),
}


async def search(session: AsyncSession, supplier_id: int, query: SearchQuery) -> SearchRows:
    where = _conditions(supplier_id, query)
    page: Select[P] = (
        select(P)
        .where(where)
        .order_by(*_ORDER[query.sort])
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    )
    total = await session.scalar(select(func.count()).select_from(P).where(where))
    brand_count = func.count().label("n")
    brands = await session.execute(
        select(P.brand, brand_count)
        .where(where)
        .group_by(P.brand)
        .order_by(brand_count.desc(), P.brand)
    )
    category_count = func.count().label("n")
    categories = await session.execute(
        select(P.category_id, category_count)
        .where(where)
        .group_by(P.category_id)
        .order_by(category_count.desc(), P.category_id)
    )
    return SearchRows(
        total=int(total or 0),
        products=list(await session.scalars(page)),
        brands=[(b, int(n)) for b, n in brands],
        categories=[(c, int(n)) for c, n in categories],
    )
