"""The pool's change-feed handlers: supplier messages keep pool products fresh within seconds.

Shelf (4) and pool-membership (6) messages carry their new state and are applied directly in
the message transaction. Price (2), tax (100) and product-info (16) messages carry only the
SKU: the handlers add their SKUs to the batch's refresh plan, and just before the commit one
refresh job is deferred for the whole plan (so the job exists exactly when the messages are
recorded). In the worker, the consumer refreshes prices and shelf states itself right after
the commit (100 SKUs per call, several calls at once, one apply transaction) and deletes the
job; the job only runs, later, if that did not happen (:func:`hive.catalog.freshness.tasks.
defer_feed_refresh`). SKUs that are not in the pool are ignored.

Importing this module subscribes the handlers to the process-wide registry; the worker must
import it before it starts consuming the feed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.freshness import tasks
from hive.catalog.freshness.apply import apply_bulk
from hive.catalog.freshness.refresh import Aspect, Plan
from hive.catalog.models import Product
from hive.catalog.status import ProductStatus
from hive.feed.handlers import HandlerRegistry, default_registry
from hive.platform import unit_of_work
from hive.suppliers.types import MessageType, SupplierMessage

FEED_SOURCE = "feed"
_PLAN = "hive.catalog.freshness.handlers.plan"


def is_sellable(product: Product) -> bool:
    """Whether a pool product may be sold: active, on the supplier's shelf and in its pool."""
    return product.status == ProductStatus.ACTIVE and product.on_shelf and product.in_supplier_pool


async def on_price_changes(
    session: AsyncSession, supplier_id: int, messages: Sequence[SupplierMessage]
) -> None:
    """Price (2) and tax (100): refresh prices (the tax rate comes with them)."""
    plan_refresh(session, supplier_id, _skus(messages), [Aspect.PRICE])


async def on_info_changes(
    session: AsyncSession, supplier_id: int, messages: Sequence[SupplierMessage]
) -> None:
    """Product info (16): refresh the details (name, brand, category, image, attributes)."""
    plan_refresh(session, supplier_id, _skus(messages), [Aspect.INFO])


async def on_shelf_changes(
    session: AsyncSession, supplier_id: int, messages: Sequence[SupplierMessage]
) -> None:
    """On/off shelf (4): the latest state of each SKU in the batch, applied now."""
    await _apply_states(session, supplier_id, _latest(messages, "on_shelf"), "on_shelf")


async def on_pool_changes(
    session: AsyncSession, supplier_id: int, messages: Sequence[SupplierMessage]
) -> None:
    """Pool membership (6): a product that left stays, unsellable; one that came back is
    sellable again and its price and shelf state, stale meanwhile, are refreshed."""
    states = _latest(messages, "in_pool")
    applied = await _apply_states(session, supplier_id, states, "in_supplier_pool")
    returned = [sku for sku, changes in applied.items() if changes[1] is True]
    plan_refresh(session, supplier_id, returned, [Aspect.PRICE, Aspect.SHELF])


def plan_refresh(
    session: AsyncSession, supplier_id: int, skus: Sequence[str], aspects: Sequence[Aspect]
) -> None:
    """Add ``skus`` to the refresh of this message transaction: one job for all of its message
    types, deferred just before the commit
    (:func:`hive.catalog.freshness.tasks.defer_feed_refresh`)."""
    if not skus:
        return
    # SKUs as dict keys: distinct, in first-seen order.
    plans: dict[int, dict[tuple[Aspect, ...], dict[str, None]]]
    plans = unit_of_work.hooks(session).state.setdefault(_PLAN, {})
    group = plans.setdefault(supplier_id, {}).setdefault(tuple(sorted(aspects)), {})
    group.update(dict.fromkeys(skus))
    unit_of_work.before_commit(session, _PLAN, _defer_planned)


async def _defer_planned(session: AsyncSession) -> None:
    plans: dict[int, dict[tuple[Aspect, ...], dict[str, None]]]
    plans = unit_of_work.hooks(session).state.pop(_PLAN, {})
    for supplier_id, groups in plans.items():
        plan: Plan = {aspects: list(skus) for aspects, skus in groups.items()}
        await tasks.defer_feed_refresh(session, supplier_id, plan)


async def _apply_states(
    session: AsyncSession, supplier_id: int, states: Mapping[str, State], column: str
) -> dict[str, list[object]]:
    """Set ``column`` of the pool products of ``states``, each as of its message's supplier
    time (an older state never overwrites a newer one); the changes applied, by SKU."""
    if not states:
        return {}
    values = {sku: {column: state.value} for sku, state in states.items()}
    times = {sku: state.at for sku, state in states.items()}
    applied = await apply_bulk(
        session, supplier_id, values, source=FEED_SOURCE, times=times, as_of=max(times.values())
    )
    return {sku: changes[column] for sku, changes in applied.changed.items()}


def _skus(messages: Sequence[SupplierMessage]) -> list[str]:
    return list(dict.fromkeys(str(m.payload["sku"]) for m in messages if m.payload.get("sku")))


@dataclass(frozen=True, slots=True)
class State:
    """A SKU's state as a message told it, and the supplier time it held."""

    value: bool
    at: datetime


def _latest(messages: Sequence[SupplierMessage], key: str) -> dict[str, State]:
    """Each SKU's state in its latest message (by supplier time, then delivery order)."""
    ordered = sorted(enumerate(messages), key=lambda pair: (pair[1].occurred_at, pair[0]))
    latest: dict[str, State] = {}
    for _, message in ordered:
        sku, state = message.payload.get("sku"), message.payload.get(key)
        if sku and isinstance(state, bool):
            latest[str(sku)] = State(state, message.occurred_at)
    return latest


def register(registry: HandlerRegistry = default_registry) -> None:
    """Subscribe the pool's handlers (batch handlers: many messages per transaction)."""
    registry.register_batch(MessageType.PRICE_CHANGED, on_price_changes)
    registry.register_batch(MessageType.TAX_CHANGED, on_price_changes)
    registry.register_batch(MessageType.PRODUCT_INFO_CHANGED, on_info_changes)
    registry.register_batch(MessageType.SHELF_CHANGED, on_shelf_changes)
    registry.register_batch(MessageType.POOL_CHANGED, on_pool_changes)


register()
