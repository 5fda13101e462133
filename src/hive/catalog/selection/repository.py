"""All SQL of selection: selection records and selection rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product, SelectionRecord, SelectionRule


async def add_selection_records(session: AsyncSession, records: Sequence[SelectionRecord]) -> None:
    session.add_all(records)
    await session.flush()


async def get_rule(session: AsyncSession, rule_id: int) -> SelectionRule | None:
    return await session.get(SelectionRule, rule_id)


async def add_rule(session: AsyncSession, rule: SelectionRule) -> None:
    async with session.begin_nested():
        session.add(rule)
        await session.flush()


async def list_rules(session: AsyncSession) -> Sequence[SelectionRule]:
    return (await session.scalars(select(SelectionRule).order_by(SelectionRule.id))).all()


async def scheduled_rules(session: AsyncSession) -> Sequence[SelectionRule]:
    query = select(SelectionRule).where(SelectionRule.scheduled, SelectionRule.enabled)
    return (await session.scalars(query.order_by(SelectionRule.id))).all()


async def products_selected_by_rule(session: AsyncSession, rule_id: int) -> dict[str, Product]:
    """Active pool products whose latest 'added' selection came from ``rule_id``."""
    query = text(
        """
        SELECT DISTINCT ON (r.product_id) r.product_id, r.rule_id
        FROM selection_records r
        WHERE r.product_id IS NOT NULL AND r.outcome = 'added'
        ORDER BY r.product_id, r.id DESC
        """
    )
    owned = [
        row.product_id for row in (await session.execute(query)).all() if row.rule_id == rule_id
    ]
    if not owned:
        return {}
    products = await session.scalars(
        select(Product).where(Product.id.in_(owned), Product.status != "removed")
    )
    return {p.supplier_sku: p for p in products.all()}


async def touch_rule(session: AsyncSession, rule_id: int) -> None:
    await session.execute(
        update(SelectionRule).where(SelectionRule.id == rule_id).values(last_run_at=text("now()"))
    )
