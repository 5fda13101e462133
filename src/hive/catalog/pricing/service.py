"""Pricing: a tenant's price (one indexed read), explain, and keeping stored prices current.

Prices are materialised per (product, customer grade) in ``product_prices`` and per tenant in
``pricing_special_prices`` by the set-based reprice (:mod:`reprice_sql`); the Python engine
(:mod:`engine`) explains any one of them and reproduces it exactly. Services never commit.

Keeping prices current: code that changes a product's purchase or retail price, brand or
category calls :func:`reprice_later` (or :func:`reprice_skus_later`) in its transaction; the
unit of work reprices every product named in the transaction in one statement just before it
commits, so a committed change never leaves a stale price behind. Rule changes reprice what
they touch (a job when that is every product); a full reprice is a job with progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.errors import ProductNotFound
from hive.catalog.pricing import engine, repository
from hive.catalog.pricing.errors import GradeNotFound, TenantNotFound
from hive.catalog.pricing.models import PricingRule
from hive.catalog.pricing.repository import RepriceCounts
from hive.events.service import EventType, raise_tenant_events
from hive.platform import unit_of_work
from hive.platform.config import get_settings
from hive.platform.jobs import session_runtime

_PENDING_KEY = "hive.pricing.pending"


async def tenant_prices(
    session: AsyncSession, tenant_id: int, product_ids: Sequence[int]
) -> dict[int, int]:
    """The tenant's price in fen of each of ``product_ids`` that has one (special price valid
    now, else its grade's price). Products without a price are left out. As the tenant role,
    asking for another tenant's prices gives an empty dict (row-level security)."""
    if not product_ids:
        return {}
    return await repository.tenant_prices(session, tenant_id, product_ids)


def default_margin(session: AsyncSession) -> Decimal:
    """The minimum margin (percent) of categories that set none, from the process's settings."""
    runtime = session_runtime(session)
    settings = runtime.settings if runtime is not None else get_settings()
    return settings.pricing_min_margin_percent


async def margin_for(
    session: AsyncSession, category_id: int | None, *, default: Decimal | None = None
) -> Decimal:
    """The minimum margin (percent) of a category: its own, else its nearest ancestor's, else
    the default (``default``, or the settings')."""
    chain = await repository.category_chain(session, category_id)
    floors = await repository.floors_for(session, chain)
    fallback = default_margin(session) if default is None else default
    return next((floors[c] for c in chain if c in floors), fallback)


# --- keeping prices current ----------------------------------------------------------------


@dataclass
class _Pending:
    product_ids: set[int] = field(default_factory=set)
    skus: dict[int, set[str]] = field(default_factory=dict)


def _pending(session: AsyncSession) -> _Pending:
    state = unit_of_work.hooks(session).state
    found = state.get(_PENDING_KEY)
    if not isinstance(found, _Pending):
        found = state[_PENDING_KEY] = _Pending()
        unit_of_work.before_commit(session, _PENDING_KEY, _reprice_pending)
    return found


def reprice_later(session: AsyncSession, product_ids: Iterable[int]) -> None:
    """Reprice these products just before the transaction commits (once, with every other
    product named in it)."""
    _pending(session).product_ids.update(product_ids)


def reprice_skus_later(session: AsyncSession, supplier_id: int, skus: Iterable[str]) -> None:
    """As :func:`reprice_later`, for a supplier's SKUs (the change feed knows products so)."""
    _pending(session).skus.setdefault(supplier_id, set()).update(skus)


async def _reprice_pending(session: AsyncSession) -> None:
    pending = _pending(session)
    margin = default_margin(session)
    if pending.product_ids:
        ids = sorted(pending.product_ids)
        await repository.reprice(session, "ids", {"ids": ids}, margin)
    for supplier_id, skus in sorted(pending.skus.items()):
        params = {"supplier_id": supplier_id, "skus": sorted(skus)}
        await repository.reprice(session, "supplier_skus", params, margin)


async def reprice_products(
    session: AsyncSession, product_ids: Sequence[int], *, margin: Decimal | None = None
) -> RepriceCounts:
    """Reprice these products for every grade now, in one statement."""
    margin = default_margin(session) if margin is None else margin
    return await repository.reprice(session, "ids", {"ids": list(product_ids)}, margin)


async def reprice_range(
    session: AsyncSession, after_id: int, upto_id: int, *, margin: Decimal | None = None
) -> RepriceCounts:
    """Reprice the products with ids in (after_id, upto_id], for every grade."""
    margin = default_margin(session) if margin is None else margin
    params = {"after_id": after_id, "upto_id": upto_id}
    return await repository.reprice(session, "range", params, margin)


async def announce_special_periods(session: AsyncSession, since: datetime, until: datetime) -> int:
    """Tell tenants whose special price started or ended in (since, until] the price they pay
    now, for products in their library; how many events. A special price valid from its
    creation was announced when it was added (:func:`rules.add_special_price`)."""
    return await raise_tenant_events(
        session,
        "SELECT DISTINCT li.tenant_id, CAST(:type AS text), 'product', li.product_id, "
        "jsonb_build_object('product_id', li.product_id, "
        "'price_fen', tenant_price_fen(li.tenant_id, li.product_id)) "
        "FROM pricing_special_prices AS s JOIN library_items AS li "
        "ON li.tenant_id = s.tenant_id AND li.product_id = s.product_id "
        "WHERE (s.valid_from > :since AND s.valid_from <= :until AND s.valid_from > s.created_at) "
        "OR (s.valid_until > :since AND s.valid_until <= :until)",
        {"since": since, "until": until, "type": EventType.PRICE_CHANGED.value},
    )


# --- explain -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """How a product's price for a grade (and a tenant, when given) comes about."""

    product_id: int
    product_name: str
    purchase_fen: int
    retail_fen: int
    grade_id: int
    grade_name: str
    tenant_id: int | None
    price: engine.Price
    # What is stored for the grade (or the tenant's special price): explain must equal it.
    stored_fen: int | None
    special: bool = False


async def explain(
    session: AsyncSession,
    product_id: int,
    *,
    tenant_id: int | None = None,
    grade_id: int | None = None,
    margin: Decimal | None = None,
) -> Explanation:
    """Explain the price of a product for a tenant (its special price or its grade) or a grade.

    Raises ProductNotFound, TenantNotFound, GradeNotFound for unknown ids."""
    product = await repository.get_product(session, product_id)
    if product is None:
        raise ProductNotFound(details={"product_id": product_id})
    if tenant_id is not None:
        tenant = await repository.get_tenant(session, tenant_id)
        if tenant is None:
            raise TenantNotFound(details={"tenant_id": tenant_id})
        grade_id = tenant.grade_id
    grade = await repository.get_grade(session, grade_id) if grade_id is not None else None
    if grade is None:
        raise GradeNotFound(details={"grade_id": grade_id})
    chain = await repository.category_chain(session, product.category_id)
    margin = await margin_for(session, product.category_id, default=margin)
    found = Explanation(
        product_id=product.id,
        product_name=product.name,
        purchase_fen=product.purchase_price_fen,
        retail_fen=product.retail_price_fen,
        grade_id=grade.id,
        grade_name=grade.name,
        tenant_id=tenant_id,
        price=engine.Price(0, 0),
        stored_fen=None,
    )
    if tenant_id is not None:
        now = await repository.database_now(session)
        special = await repository.special_price_at(session, tenant_id, product.id, now)
        if special is not None:
            price = engine.special_price(special.price_fen, product.purchase_price_fen, margin)
            return replace(found, price=price, stored_fen=special.effective_price_fen, special=True)
    rule = await _rule_of(session, product.id, product.brand, chain)
    price = engine.grade_price(
        product.purchase_price_fen, product.retail_price_fen, rule, grade.price_coefficient, margin
    )
    stored = await repository.stored_price(session, product.id, grade.id)
    return replace(found, price=price, stored_fen=stored.price_fen if stored else None)


async def _rule_of(
    session: AsyncSession, product_id: int, brand: str, chain: Sequence[int]
) -> engine.Rule:
    """The rule that applies: product > brand > category (nearest first) > default."""
    rules = await repository.rules_for(session, product_id, brand, chain)
    by_category = {r.category_id: r for r in rules if r.scope == engine.Scope.CATEGORY}
    chosen = (
        next((r for r in rules if r.scope == engine.Scope.PRODUCT), None)
        or next((r for r in rules if r.scope == engine.Scope.BRAND and r.brand == brand), None)
        or next((by_category[c] for c in chain if c in by_category), None)
        or next(r for r in rules if r.scope == engine.Scope.DEFAULT)
    )
    return await engine_rule(session, chosen)


async def engine_rule(session: AsyncSession, rule: PricingRule) -> engine.Rule:
    """The engine's view of a stored rule, with its bands."""
    bands = await repository.bands_of(session, rule.id)
    target = {
        engine.Scope.CATEGORY: str(rule.category_id),
        engine.Scope.BRAND: rule.brand or "",
        engine.Scope.PRODUCT: str(rule.product_id),
    }.get(engine.Scope(rule.scope), "")
    return engine.Rule(
        id=rule.id,
        scope=engine.Scope(rule.scope),
        base=engine.Base(rule.base),
        percent=rule.percent,
        rounding=engine.Rounding(rule.rounding),
        allow_above_retail=rule.allow_above_retail,
        bands=tuple(engine.Band(b.min_fen, b.max_fen, b.adjust_percent) for b in bands),
        target=target,
    )
