"""SQL of the workbench cart (tenant sessions: row-level security keeps each tenant's lines)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Area
from hive.orders.cart_models import MAX_CART_QUANTITY, CartItem


async def lines(session: AsyncSession, tenant_id: int, user_id: int) -> list[CartItem]:
    """The user's cart, oldest line first."""
    query = (
        select(CartItem)
        .where(CartItem.tenant_id == tenant_id, CartItem.user_id == user_id)
        .order_by(CartItem.id)
    )
    return list((await session.scalars(query)).all())


async def count_lines(session: AsyncSession, tenant_id: int, user_id: int) -> int:
    query = select(func.count()).where(CartItem.tenant_id == tenant_id, CartItem.user_id == user_id)
    return int(await session.scalar(query) or 0)


async def add(
    session: AsyncSession, tenant_id: int, user_id: int, product_id: int, quantity: int
) -> None:
    """Add ``quantity`` to the product's line (a new line when there is none), capped at the
    largest quantity an order line takes."""
    statement = insert(CartItem).values(
        tenant_id=tenant_id, user_id=user_id, product_id=product_id, quantity=quantity
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "user_id", "product_id"],
            set_={
                "quantity": func.least(
                    CartItem.quantity + statement.excluded.quantity, MAX_CART_QUANTITY
                ),
                "updated_at": func.now(),
            },
        )
    )


async def set_quantity(
    session: AsyncSession, tenant_id: int, user_id: int, product_id: int, quantity: int
) -> bool:
    line = await session.scalar(
        select(CartItem).where(
            CartItem.tenant_id == tenant_id,
            CartItem.user_id == user_id,
            CartItem.product_id == product_id,
        )
    )
    if line is None:
        return False
    line.quantity = quantity
    await session.flush()
    return True


async def remove(
    session: AsyncSession, tenant_id: int, user_id: int, product_ids: Sequence[int]
) -> None:
    await session.execute(
        delete(CartItem).where(
            CartItem.tenant_id == tenant_id,
            CartItem.user_id == user_id,
            CartItem.product_id.in_(list(product_ids)),
        )
    )


async def area_children(session: AsyncSession, parent_id: int | None, level: int) -> list[Area]:
    """The areas at ``level`` under ``parent_id`` (provinces: ``None``), by id."""
    condition = Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    query = select(Area).where(condition, Area.level == level).order_by(Area.id)
    return list((await session.scalars(query)).all())
