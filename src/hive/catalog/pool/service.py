"""The product pool's rules: how a supplier snapshot becomes a pool product, and how every
later change is applied — recorded in the product's history and raised as a domain event, and
(status, shelf, supplier pool, stock) carried to the tenants' library items in the same
transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.errors import InvalidStatusChange, ProductNotFound
from hive.catalog.library import availability
from hive.catalog.models import Product, ProductChange
from hive.catalog.pool import images, repository
from hive.catalog.pricing import service as pricing
from hive.catalog.search.segmentation import search_document
from hive.catalog.snapshot import ProductSnapshot
from hive.catalog.status import ProductStatus, can_change
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.config import Settings
from hive.platform.domain_events import raise_event
from hive.platform.permissions import Action, require
from hive.suppliers import service as suppliers

ACTIVE, PAUSED, REMOVED = ProductStatus.ACTIVE, ProductStatus.PAUSED, ProductStatus.REMOVED

# Which domain event a change of each field raises.
FIELD_EVENTS = {
    "purchase_price_fen": "catalog.price_changed",
    "retail_price_fen": "catalog.price_changed",
    "tax_rate_percent": "catalog.price_changed",
    "on_shelf": "catalog.shelf_changed",
    "in_supplier_pool": "catalog.pool_membership_changed",
    "stock": "catalog.stock_changed",
    "status": "catalog.status_changed",
    "name": "catalog.info_changed",
    "brand": "catalog.info_changed",
    "image_url": "catalog.info_changed",
    "attributes": "catalog.info_changed",
    "category_id": "catalog.info_changed",
    "supplier_category_id": "catalog.info_changed",
    "good_rate": "catalog.info_changed",
}
SEARCHABLE = frozenset({"name", "brand", "category_id"})
# Fields a product's price depends on (its rule follows brand and category).
PRICED = frozenset({"purchase_price_fen", "retail_price_fen", "brand", "category_id", "status"})


def snapshot_values(snapshot: ProductSnapshot, category_id: int | None) -> dict[str, Any]:
    """The product columns a supplier snapshot determines."""
    detail, price = snapshot.detail, snapshot.price
    return {
        "name": detail.name[:255],
        "brand": detail.brand[:128],
        "supplier_category_id": detail.category_ids[-1] if detail.category_ids else None,
        "category_id": category_id,
        "image_url": detail.image_url[:512],
        "attributes": dict(detail.attributes),
        "purchase_price_fen": price.purchase_fen,
        "retail_price_fen": price.retail_fen,
        "tax_rate_percent": price.tax_rate_percent,
        "good_rate": snapshot.rating.good_rate if snapshot.rating else None,
        "on_shelf": detail.on_shelf,
        "in_supplier_pool": True,
        "stock": snapshot.stock,
    }


async def add_product(
    session: AsyncSession,
    supplier_id: int,
    snapshot: ProductSnapshot,
    category_id: int | None,
    category_names: list[str],
) -> Product:
    """Insert a new active pool product from a complete snapshot."""
    values = snapshot_values(snapshot, category_id)
    product = Product(
        supplier_id=supplier_id,
        supplier_sku=snapshot.sku,
        status=ACTIVE,
        value_times=dict.fromkeys(values, snapshot.read_at.isoformat()),
        **values,
    )
    await repository.add_product(session, product)
    await repository.set_search_document(
        session, product.id, search_document(product.name, product.brand, category_names)
    )
    await repository.add_change(
        session,
        ProductChange(
            product_id=product.id, source="selection", changes={"status": [None, ACTIVE]}
        ),
    )
    raise_event(session, "catalog.product_added", subject_type="product", subject_id=product.id)
    pricing.reprice_later(session, [product.id])
    return product


async def apply_changes(
    session: AsyncSession,
    product: Product,
    values: Mapping[str, Any],
    *,
    source: str,
    category_names: list[str] | None = None,
    as_of: datetime | None = None,
) -> dict[str, list[Any]]:
    """Set ``values`` on ``product``; record and announce what actually changed.

    Supplier values come ``as_of`` the time they were read: a field whose stored value holds
    as of a later time (``value_times``, e.g. a newer change message) keeps it.
    """
    if as_of is not None:
        values = _not_older(product, values, as_of)
    changed: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(product, field)
        if same_value(old, new):
            continue
        changed[field] = [plain_value(old), plain_value(new)]
        setattr(product, field, new)
    if not changed:
        return changed
    await session.flush()
    await repository.add_change(
        session, ProductChange(product_id=product.id, source=source, changes=changed)
    )
    if SEARCHABLE & changed.keys() and category_names is not None:
        document = search_document(product.name, product.brand, category_names)
        await repository.set_search_document(session, product.id, document)
    for event in sorted({FIELD_EVENTS[f] for f in changed if f in FIELD_EVENTS}):
        fields = {f: v for f, v in changed.items() if FIELD_EVENTS.get(f) == event}
        raise_event(session, event, subject_type="product", subject_id=product.id, changes=fields)
    if PRICED & changed.keys():
        pricing.reprice_later(session, [product.id])
    if availability.AVAILABILITY_FIELDS & changed.keys():
        await availability.products_changed(session, [product.id])
    return changed


def _not_older(product: Product, values: Mapping[str, Any], as_of: datetime) -> dict[str, Any]:
    """Those of ``values`` not older than the product's own; their times recorded."""
    times = dict(product.value_times or {})
    kept = {
        field: value
        for field, value in values.items()
        if field not in times or datetime.fromisoformat(times[field]) <= as_of
    }
    stamp = as_of.isoformat()
    product.value_times = {**times, **dict.fromkeys(kept.keys() - {"status"}, stamp)}
    return kept


async def change_status(
    session: AsyncSession, actor: Actor, product_id: int, status: str, *, reason: str = ""
) -> Product:
    """Pause, resume, remove or restore a pool product (operators)."""
    require(actor, Action.CHANGE_PRODUCT_STATUS)
    product = await repository.get_product(session, product_id, lock=True)
    if product is None:
        raise ProductNotFound(details={"product_id": product_id})
    if not can_change(product.status, status):
        raise InvalidStatusChange(details={"from": product.status, "to": status})
    await apply_changes(session, product, {"status": status}, source="operator")
    await record_audit(
        session,
        actor,
        "product.status",
        target_type="product",
        target_id=product_id,
        details={"to": status, "reason": reason},
    )
    return product


def same_value(old: Any, new: Any) -> bool:
    """Whether a field keeps its value (Decimals compared by value, so 0.90 equals 0.9)."""
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return bool(old == new)


def plain_value(value: Any) -> Any:
    """A value as history stores it (JSON: Decimals as text)."""
    return str(value) if isinstance(value, Decimal) else value


HISTORY_SHOWN = 50


async def mark_viewed(session: AsyncSession, product_ids: Sequence[int]) -> None:
    """Products someone looked at (a tenant's search page): the 30-minute active refresh keeps
    them fresh for a day."""
    await repository.touch_viewed(session, product_ids)


async def image_address(
    session: AsyncSession, settings: Settings, product_id: int, index: int = 0, *, sold_only: bool
) -> str:
    """The supplier's absolute address of a product's picture ``index`` (0: the main image,
    1…: the gallery, ``images``), or ``""`` when there is none: no such product or picture, a
    supplier that cannot be resolved, or (``sold_only``) a product we do not sell (not
    active). Used by the image proxies of the console and of the Open API, which serve the
    picture from our own address."""
    product = await repository.get_product(session, product_id)
    if product is None or (sold_only and product.status != ACTIVE):
        return ""
    pictures = [product.image_url, *product.images]
    stored = pictures[index] if 0 <= index < len(pictures) else ""
    supplier = await suppliers.get_supplier(session, product.supplier_id) if stored else None
    if supplier is None or not isinstance(stored, str):
        return ""
    return images.resolve(stored, supplier.kind, supplier.base_url or "", settings)


async def product_with_history(
    session: AsyncSession, product_id: int
) -> tuple[Product, Sequence[ProductChange]]:
    """A pool product and its latest changes; viewing it marks it active for refresh."""
    product = await repository.get_product(session, product_id)
    if product is None:
        raise ProductNotFound(details={"product_id": product_id})
    await repository.touch_viewed(session, [product_id])
    return product, await repository.product_history(session, product_id, limit=HISTORY_SHOWN)


async def pool_overview(session: AsyncSession, *, days: int = 14) -> dict[str, Any]:
    """For the dashboard: products per status and products added per day (last ``days``)."""
    return {
        "statuses": await repository.status_counts(session),
        "added_per_day": await repository.daily_additions(session, days),
    }
