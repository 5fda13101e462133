"""Rule-based selection: saved conditions, a dry-run preview, and running a rule.

A rule searches its supplier live (by its keywords or whitelisted categories), reads the hits
and keeps those that satisfy every condition. The preview says what a run would add to the
pool and which products the rule selected earlier would now be removed; running it does that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import repository as reference_repo
from hive.catalog.errors import DuplicateRuleName, RuleNotFound
from hive.catalog.models import Product, SelectionRule, SupplierCategory
from hive.catalog.pool import repository as pool_repo
from hive.catalog.selection import repository
from hive.catalog.selection import service as selection
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.catalog.snapshot import ProductSnapshot, fetch_snapshots, margin_percent
from hive.catalog.status import IN_POOL
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.db import Database
from hive.platform.permissions import Action, require
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area, SearchQuery, SearchSort, StockState

SEARCH_PAGE_SIZE = 100
MAX_PAGES_PER_QUERY = 20
ORDERABLE = {s.value for s in StockState if s.can_order}
RUN_FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a rule looks at, from a fresh snapshot or from a pool product."""

    sku: str
    name: str
    brand: str
    category_path: tuple[int, ...]
    purchase_fen: int
    retail_fen: int
    good_rate: Decimal | None
    in_stock: bool


@dataclass
class RulePreview:
    would_add: list[Candidate] = field(default_factory=list)
    would_remove: list[tuple[Product, str]] = field(default_factory=list)
    already_in_pool: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def refusal(conditions: RuleConditions, c: Candidate) -> str | None:
    """Why ``c`` fails the rule, or None when it satisfies every condition."""
    margin = Decimal(str(margin_percent(c.purchase_fen, c.retail_fen)))
    checks = [
        (
            conditions.min_margin_percent is not None and margin < conditions.min_margin_percent,
            f"margin {margin}% below {conditions.min_margin_percent}%",
        ),
        (
            conditions.min_good_rate is not None
            and (c.good_rate is None or c.good_rate < conditions.min_good_rate),
            f"good rate {c.good_rate} below {conditions.min_good_rate}",
        ),
        (
            bool(conditions.category_whitelist)
            and not set(c.category_path) & set(conditions.category_whitelist),
            "category not whitelisted",
        ),
        (bool(set(c.category_path) & set(conditions.category_blacklist)), "category blacklisted"),
        (
            bool(conditions.brands) and c.brand not in conditions.brands,
            f"brand {c.brand} not listed",
        ),
        (
            conditions.min_price_fen is not None and c.retail_fen < conditions.min_price_fen,
            "price below range",
        ),
        (
            conditions.max_price_fen is not None and c.retail_fen > conditions.max_price_fen,
            "price above range",
        ),
        (conditions.require_in_stock and not c.in_stock, "out of stock"),
    ]
    return next((reason for failed, reason in checks if failed), None)


def candidate_from_snapshot(s: ProductSnapshot) -> Candidate:
    return Candidate(
        sku=s.sku,
        name=s.detail.name,
        brand=s.detail.brand,
        category_path=s.detail.category_ids,
        purchase_fen=s.price.purchase_fen,
        retail_fen=s.price.retail_fen,
        good_rate=s.rating.good_rate if s.rating else None,
        in_stock=any(level.get("state") in ORDERABLE for level in s.stock.values()),
    )


def candidate_from_product(p: Product, known: dict[int, SupplierCategory]) -> Candidate:
    path: list[int] = []
    current = p.supplier_category_id
    while current is not None and current in known and len(path) < 3:
        path.insert(0, current)
        current = known[current].parent_id
    return Candidate(
        sku=p.supplier_sku,
        name=p.name,
        brand=p.brand,
        category_path=tuple(path),
        purchase_fen=p.purchase_price_fen,
        retail_fen=p.retail_price_fen,
        good_rate=p.good_rate,
        in_stock=any(level.get("state") in ORDERABLE for level in p.stock.values()),
    )


async def create_rule(session: AsyncSession, actor: Actor, data: RuleCreate) -> SelectionRule:
    require(actor, Action.MANAGE_RULES)
    rule = SelectionRule(
        name=data.name,
        supplier_id=data.supplier_id,
        conditions=data.conditions.model_dump(mode="json"),
        scheduled=data.scheduled,
        enabled=True,
    )
    try:
        await repository.add_rule(session, rule)
    except IntegrityError:
        raise DuplicateRuleName(details={"name": data.name}) from None
    await record_audit(
        session,
        actor,
        "rule.create",
        target_type="selection_rule",
        target_id=rule.id,
        details={"name": rule.name, "conditions": rule.conditions},
    )
    return rule


async def update_rule(
    session: AsyncSession, actor: Actor, rule_id: int, data: RuleCreate
) -> SelectionRule:
    """Change a rule's name, supplier, conditions and schedule; the next run applies them
    (products it selected before and that no longer qualify are then removed)."""
    require(actor, Action.MANAGE_RULES)
    rule = await repository.get_rule(session, rule_id)
    if rule is None:
        raise RuleNotFound(details={"rule_id": rule_id})
    before = {"name": rule.name, "conditions": rule.conditions, "scheduled": rule.scheduled}
    rule.name, rule.supplier_id, rule.scheduled = data.name, data.supplier_id, data.scheduled
    rule.conditions = data.conditions.model_dump(mode="json")
    try:
        await repository.save_rule(session)
    except IntegrityError:
        raise DuplicateRuleName(details={"name": data.name}) from None
    await record_audit(
        session,
        actor,
        "rule.update",
        target_type="selection_rule",
        target_id=rule.id,
        details={"before": before, "conditions": rule.conditions, "name": rule.name},
    )
    return rule


async def delete_rule(session: AsyncSession, actor: Actor, rule_id: int) -> str:
    """Delete a rule (its name is returned). The products it selected stay in the pool."""
    require(actor, Action.MANAGE_RULES)
    rule = await repository.get_rule(session, rule_id)
    if rule is None:
        raise RuleNotFound(details={"rule_id": rule_id})
    name = rule.name
    await repository.delete_rule(session, rule)
    await record_audit(
        session,
        actor,
        "rule.delete",
        target_type="selection_rule",
        target_id=rule_id,
        details={"name": name},
    )
    return name


async def load_rule(database: Database, rule_id: int) -> tuple[SelectionRule, RuleConditions]:
    async with database.platform_transaction() as session:
        rule = await repository.get_rule(session, rule_id)
    if rule is None:
        raise RuleNotFound(details={"rule_id": rule_id})
    return rule, RuleConditions.model_validate(rule.conditions)


async def preview_rule(
    database: Database, adapter: SupplierAdapter, rule_id: int, *, stock_areas: Sequence[Area]
) -> RulePreview:
    """What running the rule now would change, without changing anything."""
    rule, conditions = await load_rule(database, rule_id)
    skus = await _search_candidates(adapter, conditions)
    batch = await fetch_snapshots(adapter, skus, stock_areas)
    preview = RulePreview(refused=dict(batch.failures))
    async with database.platform_transaction() as session:
        in_pool = await pool_repo.pooled_skus(session, rule.supplier_id, batch.snapshots)
        owned = await repository.products_selected_by_rule(session, rule.id)
        known = await reference_repo.supplier_categories(session, rule.supplier_id)
    for sku, snapshot in batch.snapshots.items():
        reason = refusal(conditions, candidate_from_snapshot(snapshot))
        if reason is not None:
            preview.refused[sku] = reason
        elif in_pool.get(sku) in IN_POOL:
            preview.already_in_pool.append(sku)
        else:
            preview.would_add.append(candidate_from_snapshot(snapshot))
    preview.would_add = preview.would_add[: conditions.max_products]
    for product in owned.values():
        reason = refusal(conditions, candidate_from_product(product, known))
        if reason is not None:
            preview.would_remove.append((product, reason))
    return preview


async def run_rule(
    database: Database,
    adapter: SupplierAdapter,
    actor: Actor,
    rule_id: int,
    *,
    stock_areas: Sequence[Area],
    job_id: int | None = None,
) -> tuple[selection.SelectionReport, list[str]]:
    """Apply the rule: add what it selects, remove what it selected before and no longer does.

    The run is recorded (``rule_runs``). A run by job ``job_id`` is resumed when the job runs
    again after its worker died: its plan is kept, the SKUs it already recorded are skipped
    and a finished run does nothing, so no product or record is added twice. The report covers
    this attempt; the run row counts every attempt."""
    require(actor, Action.RUN_RULES)
    async with database.platform_transaction() as session:
        run = await repository.start_rule_run(session, rule_id, job_id)
    if run.status == RUN_FINISHED:
        return selection.SelectionReport(), []
    plan = run.plan or await _plan_run(database, adapter, rule_id, run.id, stock_areas)
    async with database.platform_transaction() as session:
        done = await repository.skus_recorded_by_run(session, run.id)
        leaving = await repository.products_by_ids(session, plan["remove"])
    report = await selection.select_skus(
        database,
        adapter,
        actor,
        [sku for sku in plan["add"] if sku not in done],
        stock_areas=stock_areas,
        rule_id=rule_id,
        rule_run_id=run.id,
    )
    removed = await selection.deselect_products(
        database,
        actor,
        adapter.supplier_id,
        leaving,
        reason="rule conditions no longer met",
        rule_id=rule_id,
        rule_run_id=run.id,
    )
    async with database.platform_transaction() as session:
        await repository.finish_rule_run(session, run.id)
        await repository.touch_rule(session, rule_id)
    return report, removed


async def _plan_run(
    database: Database,
    adapter: SupplierAdapter,
    rule_id: int,
    run_id: int,
    stock_areas: Sequence[Area],
) -> dict[str, list[Any]]:
    """Decide once what the run adds and removes, and keep it with the run."""
    preview = await preview_rule(database, adapter, rule_id, stock_areas=stock_areas)
    plan: dict[str, list[Any]] = {
        "add": [c.sku for c in preview.would_add],
        "remove": [p.id for p, _ in preview.would_remove],
    }
    async with database.platform_transaction() as session:
        await repository.plan_rule_run(session, run_id, plan)
    return plan


def _search_queries(conditions: RuleConditions) -> list[SearchQuery]:
    """One live search per keyword within each whitelisted category (a keyword alone searches
    everywhere; a category alone searches all of it). Searching inside the categories, not
    filtering afterwards, keeps a broad keyword such as 手机 from filling the candidates with
    手机壳 and chargers that the category whitelist would then refuse."""
    categories: list[int | None] = list(conditions.category_whitelist) or [None]
    keywords = list(conditions.keywords) or [""]
    return [
        SearchQuery(
            keyword=keyword,
            category_id=category,
            min_price_fen=conditions.min_price_fen,
            max_price_fen=conditions.max_price_fen,
            sort=SearchSort.SALES_DESC,
        )
        for category in categories
        for keyword in keywords
    ]


async def _search_candidates(adapter: SupplierAdapter, conditions: RuleConditions) -> list[str]:
    """SKU ids from live searches, de-duplicated, a few more than the rule may add, shared
    evenly among the searches (a rule on phones and laptops gets both, not only phones)."""
    wanted = conditions.max_products * 2
    queries = _search_queries(conditions)
    share = -(-wanted // len(queries))
    found: dict[str, None] = {}
    for query in queries:
        taken = 0
        for page in range(1, MAX_PAGES_PER_QUERY + 1):
            result = await adapter.search(replace(query, page=page, page_size=SEARCH_PAGE_SIZE))
            new = [hit.sku for hit in result.hits if hit.sku not in found][: share - taken]
            found.update(dict.fromkeys(new))
            taken += len(new)
            if taken >= share or page * SEARCH_PAGE_SIZE >= result.total:
                break
    return list(found)[:wanted]


async def list_rules(session: AsyncSession) -> Sequence[SelectionRule]:
    return await repository.list_rules(session)
