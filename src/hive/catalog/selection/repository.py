"""All SQL of selection: selection records and selection rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.models import Product, RuleRun, SelectionRecord, SelectionRule
from hive.catalog.status import ProductStatus


async def add_selection_records(session: AsyncSession, records: Sequence[SelectionRecord]) -> None:
    session.add_all(records)
    await session.flush()


async def get_rule(session: AsyncSession, rule_id: int) -> SelectionRule | None:
    return await session.get(SelectionRule, rule_id)


async def add_rule(session: AsyncSession, rule: SelectionRule) -> None:
    async with session.begin_nested():
        session.add(rule)
        await session.flush()


async def save_rule(session: AsyncSession) -> None:
    """Write a changed rule now (a duplicate name raises ``IntegrityError`` here)."""
    async with session.begin_nested():
        await session.flush()


async def delete_rule(session: AsyncSession, rule: SelectionRule) -> None:
    """Delete the rule; its runs go with it, selection records keep their product and lose the
    rule (``ON DELETE SET NULL``)."""
    await session.delete(rule)
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
        select(Product).where(Product.id.in_(owned), Product.status != ProductStatus.REMOVED)
    )
    return {p.supplier_sku: p for p in products.all()}


async def touch_rule(session: AsyncSession, rule_id: int) -> None:
    await session.execute(
        update(SelectionRule).where(SelectionRule.id == rule_id).values(last_run_at=text("now()"))
    )


async def start_rule_run(session: AsyncSession, rule_id: int, job_id: int | None) -> RuleRun:
    """The run of ``rule_id`` by job ``job_id``: the one recorded before, or a new one (a run
    without a job is always new)."""
    if job_id is not None:
        statement = (
            insert(RuleRun)
            .values(rule_id=rule_id, job_id=job_id)
            .on_conflict_do_nothing(index_elements=[RuleRun.job_id, RuleRun.rule_id])
        )
        await session.execute(statement)
        query = select(RuleRun).where(RuleRun.rule_id == rule_id, RuleRun.job_id == job_id)
        return (await session.scalars(query.with_for_update())).one()
    run = RuleRun(rule_id=rule_id, job_id=None)
    session.add(run)
    await session.flush()
    await session.refresh(run)
    return run


async def plan_rule_run(session: AsyncSession, run_id: int, plan: dict[str, list[Any]]) -> None:
    await session.execute(update(RuleRun).where(RuleRun.id == run_id).values(plan=plan))


async def skus_recorded_by_run(session: AsyncSession, run_id: int) -> set[str]:
    """SKUs the run has already tried to add (whatever came of it)."""
    query = select(SelectionRecord.supplier_sku).where(
        SelectionRecord.rule_run_id == run_id, SelectionRecord.action == "add"
    )
    return set((await session.scalars(query)).all())


async def outcomes_recorded_by_progress(
    session: AsyncSession, progress_id: int, skus: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """Of ``skus``, those the bulk action has already recorded: SKU → (outcome, reason)."""
    if not skus:
        return {}
    query = select(
        SelectionRecord.supplier_sku, SelectionRecord.outcome, SelectionRecord.reason
    ).where(
        SelectionRecord.progress_id == progress_id,
        SelectionRecord.action == "add",
        SelectionRecord.supplier_sku.in_(list(skus)),
    )
    return {sku: (outcome, reason) for sku, outcome, reason in await session.execute(query)}


async def products_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Product]:
    if not ids:
        return []
    return list((await session.scalars(select(Product).where(Product.id.in_(ids)))).all())


_FINISH_RUN = text(
    """
    UPDATE rule_runs SET status = 'finished', finished_at = now(),
        added = counts.added, restored = counts.restored, removed = counts.removed
    FROM (
        SELECT count(*) FILTER (WHERE action = 'add' AND reason = 'added') AS added,
               count(*) FILTER (WHERE action = 'add' AND reason = 'restored') AS restored,
               count(*) FILTER (WHERE action = 'remove') AS removed
        FROM selection_records WHERE rule_run_id = :id
    ) AS counts
    WHERE rule_runs.id = :id
    """
)


async def finish_rule_run(session: AsyncSession, run_id: int) -> None:
    """Mark the run finished, with what its records say it did (over every attempt)."""
    await session.execute(_FINISH_RUN, {"id": run_id})


async def latest_run(session: AsyncSession, rule_id: int) -> RuleRun | None:
    query = select(RuleRun).where(RuleRun.rule_id == rule_id).order_by(RuleRun.id.desc()).limit(1)
    return (await session.scalars(query)).first()


async def count_recorded(session: AsyncSession, run_id: int) -> int:
    """How many SKUs the run has handled so far (its progress)."""
    query = select(func.count()).where(
        SelectionRecord.rule_run_id == run_id, SelectionRecord.action == "add"
    )
    return int(await session.scalar(query) or 0)


async def get_run(session: AsyncSession, run_id: int) -> RuleRun | None:
    return await session.get(RuleRun, run_id)


def records_of_run(run_id: int) -> Select[SelectionRecord]:
    """The selection records a rule run wrote (added, failed, removed), in order (for its CSV)."""
    return (
        select(SelectionRecord)
        .where(SelectionRecord.rule_run_id == run_id)
        .order_by(SelectionRecord.id)
    )


def records_of_progress(progress_id: int) -> Select[SelectionRecord]:
    """The selection records a bulk action wrote, in the order it wrote them (for its CSV)."""
    return (
        select(SelectionRecord)
        .where(SelectionRecord.progress_id == progress_id)
        .order_by(SelectionRecord.id)
    )
