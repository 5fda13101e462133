"""All SQL of pricing: the set-based reprice, the tenant price read, what explain loads, and
the rules, bands, floors and special prices operators edit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Category, Product
from hive.catalog.pricing import reprice_sql
from hive.catalog.pricing.models import (
    CategoryFloor,
    PricingBand,
    PricingRule,
    ProductPrice,
    SpecialPrice,
)
from hive.customers.models import CustomerGrade, Tenant


@dataclass(frozen=True)
class RepriceCounts:
    """What one reprice statement did."""

    products: int = 0
    rows_written: int = 0
    prices_changed: int = 0
    special_changed: int = 0
    events: int = 0
    # Products with at least one stored price (or its flags) written: the job's "changed".
    products_changed: int = 0

    def __add__(self, other: RepriceCounts) -> RepriceCounts:
        return RepriceCounts(
            self.products + other.products,
            self.rows_written + other.rows_written,
            self.prices_changed + other.prices_changed,
            self.special_changed + other.special_changed,
            self.events + other.events,
            self.products_changed + other.products_changed,
        )


async def reprice(
    session: AsyncSession,
    products: str,
    params: dict[str, Any],
    default_margin: Decimal,
) -> RepriceCounts:
    """Run the reprice over the products of filter ``products`` (``reprice_sql.PRODUCT_FILTERS``
    with its ``params``)."""
    statement = text(reprice_sql.write_statement(products))
    row = (await session.execute(statement, {**params, "default_margin": default_margin})).one()
    return RepriceCounts(*(int(value) for value in row))


async def compare(
    session: AsyncSession,
    products: str,
    params: dict[str, Any],
    default_margin: Decimal,
    id_range: tuple[int, int] | None = None,
) -> RowMapping:
    """What a reprice of these products (those with ids in ``id_range``, exclusive-inclusive,
    when given) would change (counts, buckets, examples), unwritten."""
    statement = text(reprice_sql.compare_statement(products, in_range=id_range is not None))
    values = {**params, "default_margin": default_margin}
    if id_range is not None:
        values |= {"after_id": id_range[0], "upto_id": id_range[1]}
    result = await session.execute(statement, values)
    return result.mappings().one()


async def count_products(session: AsyncSession, products: str, params: dict[str, Any]) -> int:
    """How many products (not removed) filter ``products`` covers."""
    return int(await session.scalar(text(reprice_sql.count_statement(products)), params) or 0)


_TENANT_PRICES = text("""
SELECT i.id, tenant_price_fen(:tenant_id, i.id)
FROM unnest(CAST(:ids AS bigint[])) AS i(id)
""")


async def tenant_prices(
    session: AsyncSession, tenant_id: int, product_ids: Sequence[int]
) -> dict[int, int]:
    rows = await session.execute(_TENANT_PRICES, {"tenant_id": tenant_id, "ids": list(product_ids)})
    return {int(pid): int(price) for pid, price in rows.all() if price is not None}


async def product_id_bounds(session: AsyncSession) -> tuple[int, int, int]:
    """(smallest id − 1, largest id, count) of products not removed."""
    query = select(
        func.coalesce(func.min(Product.id) - 1, 0),
        func.coalesce(func.max(Product.id), 0),
        func.count(),
    ).where(Product.status != "removed")
    low, high, count = (await session.execute(query)).one()
    return int(low), int(high), int(count)


async def product_ids_for_skus(
    session: AsyncSession, supplier_id: int, skus: Iterable[str]
) -> list[int]:
    query = select(Product.id).where(
        Product.supplier_id == supplier_id, Product.supplier_sku.in_(list(skus))
    )
    return list((await session.scalars(query)).all())


async def nth_product_id(session: AsyncSession, after_id: int, n: int) -> int | None:
    """The id of the ``n``-th product (not removed) after ``after_id``, or None if fewer."""
    query = (
        select(Product.id)
        .where(Product.id > after_id, Product.status != "removed")
        .order_by(Product.id)
        .offset(n - 1)
        .limit(1)
    )
    found = await session.scalar(query)
    return None if found is None else int(found)


async def category_subtree(session: AsyncSession, category_id: int) -> list[int]:
    """The category and every category below it (the tree has 3 levels)."""
    statement = text("""
        SELECT c.id FROM categories AS c
        LEFT JOIN categories AS p ON p.id = c.parent_id
        WHERE c.id = :c OR c.parent_id = :c OR p.parent_id = :c
        ORDER BY c.id
    """)
    return [int(i) for i in (await session.scalars(statement, {"c": category_id})).all()]


# --- what explain loads --------------------------------------------------------------------


async def get_product(session: AsyncSession, product_id: int) -> Product | None:
    return await session.get(Product, product_id)


async def category_chain(session: AsyncSession, category_id: int | None) -> list[int]:
    """The category and its ancestors, nearest first (at most 3)."""
    chain: list[int] = []
    while category_id is not None and len(chain) < 3:
        chain.append(category_id)
        category_id = await session.scalar(
            select(Category.parent_id).where(Category.id == category_id)
        )
    return chain


async def rules_for(
    session: AsyncSession, product_id: int, brand: str, chain: Sequence[int]
) -> list[PricingRule]:
    """Every rule that could apply to a product (its own, its brand's, its categories',
    the default)."""
    query = select(PricingRule).where(
        (PricingRule.product_id == product_id)
        | (PricingRule.brand == brand)
        | (PricingRule.category_id.in_(list(chain)))
        | (PricingRule.scope == "default")
    )
    return list((await session.scalars(query)).all())


async def floors_for(session: AsyncSession, chain: Sequence[int]) -> dict[int, Decimal]:
    query = select(CategoryFloor).where(CategoryFloor.category_id.in_(list(chain)))
    return {f.category_id: f.min_margin_percent for f in (await session.scalars(query)).all()}


async def bands_of(session: AsyncSession, rule_id: int) -> list[PricingBand]:
    query = select(PricingBand).where(PricingBand.rule_id == rule_id).order_by(PricingBand.min_fen)
    return list((await session.scalars(query)).all())


async def get_grade(session: AsyncSession, grade_id: int) -> CustomerGrade | None:
    return await session.get(CustomerGrade, grade_id)


async def get_tenant(session: AsyncSession, tenant_id: int) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def special_price_at(
    session: AsyncSession, tenant_id: int, product_id: int, at: datetime
) -> SpecialPrice | None:
    query = select(SpecialPrice).where(
        SpecialPrice.tenant_id == tenant_id,
        SpecialPrice.product_id == product_id,
        SpecialPrice.valid_from <= at,
        (SpecialPrice.valid_until.is_(None)) | (SpecialPrice.valid_until > at),
    )
    return (await session.scalars(query)).one_or_none()


async def stored_price(
    session: AsyncSession, product_id: int, grade_id: int
) -> ProductPrice | None:
    return await session.get(ProductPrice, (product_id, grade_id))


async def database_now(session: AsyncSession) -> datetime:
    now: datetime = (await session.execute(select(func.now()))).scalar_one()
    return now


# --- rules, bands, floors, special prices, runs --------------------------------------------


async def list_rules(session: AsyncSession) -> list[PricingRule]:
    order = (PricingRule.scope != "default", PricingRule.scope, PricingRule.id)
    return list((await session.scalars(select(PricingRule).order_by(*order))).all())


async def get_rule(
    session: AsyncSession, rule_id: int, *, lock: bool = False
) -> PricingRule | None:
    query = select(PricingRule).where(PricingRule.id == rule_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def replace_bands(session: AsyncSession, rule_id: int, bands: Iterable[PricingBand]) -> None:
    await session.execute(delete(PricingBand).where(PricingBand.rule_id == rule_id))
    session.add_all(list(bands))
    await session.flush()


async def add_and_flush(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def delete_row(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


async def category_exists(session: AsyncSession, category_id: int) -> bool:
    return await session.get(Category, category_id) is not None


async def product_exists(session: AsyncSession, product_id: int) -> bool:
    return await session.get(Product, product_id) is not None


async def list_floors(session: AsyncSession) -> list[RowMapping]:
    query = (
        select(CategoryFloor.category_id, Category.name, CategoryFloor.min_margin_percent)
        .join(Category, Category.id == CategoryFloor.category_id)
        .order_by(CategoryFloor.category_id)
    )
    return list((await session.execute(query)).mappings().all())


async def get_floor(session: AsyncSession, category_id: int) -> CategoryFloor | None:
    return await session.get(CategoryFloor, category_id)


async def list_special_prices(
    session: AsyncSession, *, limit: int, offset: int = 0
) -> tuple[list[SpecialPrice], int]:
    """One page of the special prices, newest first, and how many there are."""
    query = select(SpecialPrice).order_by(SpecialPrice.id.desc()).limit(limit).offset(offset)
    total = await session.scalar(select(func.count()).select_from(SpecialPrice))
    return list((await session.scalars(query)).all()), int(total or 0)


async def get_special_price(session: AsyncSession, special_id: int) -> SpecialPrice | None:
    return await session.get(SpecialPrice, special_id)


async def below_cost(session: AsyncSession, *, limit: int = 200) -> list[RowMapping]:
    """Products whose price before the floor was below the purchase price (the floor lifted
    it), with the grade and the stored price."""
    query = (
        select(
            ProductPrice.product_id,
            Product.name,
            Product.purchase_price_fen,
            Product.retail_price_fen,
            ProductPrice.grade_id,
            CustomerGrade.name.label("grade_name"),
            ProductPrice.price_fen,
            ProductPrice.computed_at,
        )
        .join(Product, Product.id == ProductPrice.product_id)
        .join(CustomerGrade, CustomerGrade.id == ProductPrice.grade_id)
        .where(ProductPrice.below_cost)
        .order_by(ProductPrice.product_id, ProductPrice.grade_id)
        .limit(limit)
    )
    return list((await session.execute(query)).mappings().all())
