"""What operators change: pricing rules and their bands, category floors, special prices,
grade coefficients, and full reprices. Each change checks the actor, validates against the
database (unknown ids, overlaps) before writing, writes an audit row, and reprices what it
touches in the same transaction — or, when that is every product, starts a reprice job.
Services never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pricing import engine, repository, service
from hive.catalog.pricing.errors import (
    CategoryNotFound,
    DefaultRuleKept,
    InvalidPricing,
    PricingRuleNotFound,
    RuleExists,
    SpecialPriceBelowFloor,
    SpecialPriceNotFound,
    SpecialPricesOverlap,
    TenantNotFound,
)
from hive.catalog.pricing.models import CategoryFloor, PricingBand, PricingRule, SpecialPrice
from hive.catalog.pricing.schemas import RuleInput, SpecialPriceInput
from hive.customers import service as customers
from hive.events.service import EventType, raise_tenant_events
from hive.platform import progress
from hive.platform.actor import SYSTEM, Actor
from hive.platform.audit import record_audit
from hive.platform.permissions import Action, require
from hive.platform.progress import JobProgress
from hive.platform.validation import Problem

Touched = tuple[str, dict[str, Any]]  # a reprice_sql product filter and its parameters


@dataclass(frozen=True)
class Preview:
    """What a rule change would do: products and prices that move, bounds hit, how far prices
    move (bucket -> count: ``down_10`` is 10 % or more down … ``up_10``, ``new``), examples."""

    products_considered: int
    products_moved: int
    prices_moved: int
    floor_hits: int
    ceiling_hits: int
    below_cost: int
    buckets: dict[str, int]
    examples: list[dict[str, Any]]


async def save_rule(
    session: AsyncSession, actor: Actor, data: RuleInput, *, rule_id: int | None = None
) -> PricingRule:
    """Create a rule (``rule_id`` None) or change one's terms and bands; reprice the products
    it touches. Raises InvalidPricing, CategoryNotFound, RuleExists, PricingRuleNotFound."""
    require(actor, Action.MANAGE_PRICING)
    rule = await _write_rule(session, data, rule_id)
    await record_audit(
        session,
        actor,
        "pricing.rule.create" if rule_id is None else "pricing.rule.change",
        target_type="pricing_rule",
        target_id=rule.id,
        details=_rule_details(data),
    )
    await _reprice(session, await _touched(session, rule), f"rule {rule.id}")
    return rule


async def preview_rule(
    session: AsyncSession,
    actor: Actor,
    data: RuleInput,
    *,
    rule_id: int | None = None,
    id_range: tuple[int, int] | None = None,
) -> Preview:
    """What saving ``data`` would change (of the products with ids in ``id_range`` when given:
    one chunk of the preview job), computed by the reprice itself inside a savepoint that is
    rolled back: nothing is written."""
    require(actor, Action.MANAGE_PRICING)
    savepoint = await session.begin_nested()
    try:
        rule = await _write_rule(session, data, rule_id)
        products, params = await _touched(session, rule)
        margin = service.default_margin(session)
        row = await repository.compare(session, products, params, margin, id_range)
    finally:
        await savepoint.rollback()
    return Preview(**{k: row[k] for k in Preview.__dataclass_fields__})


async def preview_size(
    session: AsyncSession, actor: Actor, data: RuleInput, *, rule_id: int | None = None
) -> int:
    """How many products saving ``data`` could move (the preview's work); nothing written."""
    require(actor, Action.MANAGE_PRICING)
    savepoint = await session.begin_nested()
    try:
        products, params = await _touched(session, await _write_rule(session, data, rule_id))
        return await repository.count_products(session, products, params)
    finally:
        await savepoint.rollback()


async def delete_rule(session: AsyncSession, actor: Actor, rule_id: int) -> None:
    """Delete a rule (not the default); its products fall back to the next rule."""
    require(actor, Action.MANAGE_PRICING)
    rule = await repository.get_rule(session, rule_id, lock=True)
    if rule is None:
        raise PricingRuleNotFound(details={"rule_id": rule_id})
    if rule.scope == engine.Scope.DEFAULT:
        raise DefaultRuleKept()
    touched = await _touched(session, rule)
    await repository.delete_row(session, rule)
    await record_audit(
        session, actor, "pricing.rule.delete", target_type="pricing_rule", target_id=rule_id
    )
    await _reprice(session, touched, f"rule {rule_id} deleted")


async def _write_rule(session: AsyncSession, data: RuleInput, rule_id: int | None) -> PricingRule:
    if rule_id is None:
        await _check_target(session, data)
        rule = PricingRule(
            scope=data.scope,
            category_id=data.category_id,
            brand=data.brand,
            product_id=data.product_id,
        )
    else:
        found = await repository.get_rule(session, rule_id, lock=True)
        if found is None:
            raise PricingRuleNotFound(details={"rule_id": rule_id})
        rule = found
    rule.base, rule.percent, rule.rounding = data.base, data.percent, data.rounding
    rule.allow_above_retail = data.allow_above_retail
    try:
        async with session.begin_nested():
            await repository.add_and_flush(session, rule)
    except IntegrityError:
        raise RuleExists(details={"scope": data.scope}) from None
    bands = [PricingBand(rule_id=rule.id, **vars(b)) for b in data.bands]
    await repository.replace_bands(session, rule.id, bands)
    return rule


async def _check_target(session: AsyncSession, data: RuleInput) -> None:
    if data.scope == engine.Scope.DEFAULT:
        raise RuleExists(details={"scope": "default"})
    if data.category_id is not None and not await repository.category_exists(
        session, data.category_id
    ):
        raise CategoryNotFound(details={"category_id": data.category_id})
    if data.product_id is not None and not await repository.product_exists(
        session, data.product_id
    ):
        raise InvalidPricing([Problem("product_id", "not_found", {"ids": str(data.product_id)})])


async def _touched(session: AsyncSession, rule: PricingRule) -> Touched:
    """The products whose price a change of ``rule`` can move."""
    if rule.scope == engine.Scope.PRODUCT:
        return "ids", {"ids": [rule.product_id]}
    if rule.scope == engine.Scope.BRAND:
        return "brand", {"brand": rule.brand}
    if rule.scope == engine.Scope.CATEGORY and rule.category_id is not None:
        return "categories", {
            "category_ids": await repository.category_subtree(session, rule.category_id)
        }
    return "all", {}


async def _reprice(session: AsyncSession, touched: Touched, reason: str) -> None:
    """Reprice now, in the caller's transaction; every product goes to a job with progress."""
    products, params = touched
    if products == "all":
        await start_full_reprice(session, reason)
        return
    await repository.reprice(session, products, params, service.default_margin(session))


REPRICE_KIND = "pricing.reprice_all"


async def latest_runs(session: AsyncSession, *, limit: int = 5) -> Sequence[JobProgress]:
    """The latest full reprices, newest first: their progress rows (reason in ``params``)."""
    rows, _ = await progress.list_progress(session, [REPRICE_KIND], limit=limit, offset=0)
    return rows


async def start_full_reprice(session: AsyncSession, reason: str) -> int:
    """Start a reprice of every product as a job (deferred in this transaction), asked by the
    system (a rule or grade change); the id of its progress row, the run's one record."""
    row = await start_reprice_job(session, SYSTEM, reason)
    return row.id


async def start_reprice_job(session: AsyncSession, actor: Actor, reason: str) -> JobProgress:
    """A reprice run of every product, its progress row (``/admin/jobs/<id>``, planned: the
    products there are now) and the job that does it, in this transaction."""
    from hive.catalog.pricing.tasks import defer_full_reprice  # the tasks import this module

    _, _, products = await repository.product_id_bounds(session)
    row = await progress.start_progress(
        session, actor, REPRICE_KIND, params={"reason": reason[:64]}, planned=products
    )
    row.job_id = await defer_full_reprice(session, row.id)
    return row


async def reprice_scope(session: AsyncSession, actor: Actor) -> tuple[int, int]:
    """What a full reprice the actor asks for would touch (products, grades), for its
    confirmation; raises ``PermissionDenied`` for a role that may not reprice."""
    require(actor, Action.MANAGE_PRICING)
    return await products_to_reprice(session)


async def products_to_reprice(session: AsyncSession) -> tuple[int, int]:
    """What a full reprice touches: (products, customer grades)."""
    _, _, products = await repository.product_id_bounds(session)
    return products, len(await customers.list_grades(session))


async def request_full_reprice(session: AsyncSession, actor: Actor) -> JobProgress:
    """An operator asks for every price to be computed again; its progress row."""
    require(actor, Action.MANAGE_PRICING)
    row = await start_reprice_job(session, actor, "operator")
    await record_audit(
        session,
        actor,
        "pricing.reprice",
        target_type="job_progress",
        target_id=row.id,
        details={"planned": row.planned},
    )
    return row


async def set_floor(
    session: AsyncSession, actor: Actor, category_id: int, margin: Decimal | None
) -> None:
    """Set (or, with None, remove) a category's minimum margin; reprice its products."""
    require(actor, Action.MANAGE_PRICING)
    if not await repository.category_exists(session, category_id):
        raise CategoryNotFound(details={"category_id": category_id})
    floor = await repository.get_floor(session, category_id)
    if margin is None and floor is not None:
        await repository.delete_row(session, floor)
    elif margin is not None and floor is None:
        await repository.add_and_flush(
            session, CategoryFloor(category_id=category_id, min_margin_percent=margin)
        )
    elif margin is not None and floor is not None:
        floor.min_margin_percent = margin
    await record_audit(
        session,
        actor,
        "pricing.floor",
        target_type="category",
        target_id=category_id,
        details={"min_margin_percent": None if margin is None else str(margin)},
    )
    subtree = await repository.category_subtree(session, category_id)
    await _reprice(session, ("categories", {"category_ids": subtree}), "floor")


async def set_grade_coefficient(
    session: AsyncSession, actor: Actor, grade_id: int, coefficient: Decimal
) -> int:
    """Change a customer grade's coefficient and reprice every product (a job); the id of
    its progress row."""
    await customers.change_grade_coefficient(session, actor, grade_id, coefficient)
    return await start_full_reprice(session, f"grade {grade_id}")


async def add_special_price(
    session: AsyncSession, actor: Actor, data: SpecialPriceInput
) -> SpecialPrice:
    """Give a tenant its own price of a product for a period. Refused: unknown tenant or
    product, a price below the product's floor, a period overlapping another of the same
    tenant and product. The tenant is told when the price holds now and the product is in its
    library."""
    require(actor, Action.MANAGE_PRICING)
    if await repository.get_tenant(session, data.tenant_id) is None:
        raise TenantNotFound(details={"tenant_id": data.tenant_id})
    product = await repository.get_product(session, data.product_id)
    if product is None:
        raise InvalidPricing([Problem("product_id", "not_found", {"ids": str(data.product_id)})])
    margin = await service.margin_for(session, product.category_id)
    floor = engine.floor_fen(product.purchase_price_fen, margin)
    if data.price_fen < floor:
        raise SpecialPriceBelowFloor(details={"floor_fen": floor})
    special = SpecialPrice(**vars(data), effective_price_fen=data.price_fen, floor_hit=False)
    try:
        async with session.begin_nested():
            await repository.add_and_flush(session, special)
    except IntegrityError:
        raise SpecialPricesOverlap() from None
    await record_audit(
        session,
        actor,
        "pricing.special.create",
        target_type="special_price",
        target_id=special.id,
        tenant_id=data.tenant_id,
        details={"product_id": data.product_id, "price_fen": data.price_fen},
    )
    await _tell_tenant(session, special)
    return special


async def delete_special_price(session: AsyncSession, actor: Actor, special_id: int) -> None:
    require(actor, Action.MANAGE_PRICING)
    special = await repository.get_special_price(session, special_id)
    if special is None:
        raise SpecialPriceNotFound(details={"special_id": special_id})
    tenant_id = special.tenant_id
    await repository.delete_row(session, special)
    await record_audit(
        session,
        actor,
        "pricing.special.delete",
        target_type="special_price",
        target_id=special_id,
        tenant_id=tenant_id,
    )


async def _tell_tenant(session: AsyncSession, special: SpecialPrice) -> None:
    await raise_tenant_events(
        session,
        "SELECT li.tenant_id, CAST(:type AS text), 'product', li.product_id, "
        "jsonb_build_object('product_id', li.product_id, 'price_fen', "
        "tenant_price_fen(li.tenant_id, li.product_id)) "
        "FROM library_items AS li JOIN pricing_special_prices AS s "
        "ON s.tenant_id = li.tenant_id AND s.product_id = li.product_id "
        "WHERE s.id = :special AND tstzrange(s.valid_from, s.valid_until) @> now()",
        {"special": special.id, "type": EventType.PRICE_CHANGED.value},
    )


def _rule_details(data: RuleInput) -> dict[str, Any]:
    return {
        "scope": data.scope,
        "base": data.base,
        "percent": str(data.percent),
        "rounding": data.rounding,
        "allow_above_retail": data.allow_above_retail,
        "bands": [[b.min_fen, b.max_fen, str(b.adjust_percent)] for b in data.bands],
    }
