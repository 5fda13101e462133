"""Refreshing pool products from their supplier: fetch first, then apply in one transaction.

A batch of SKUs is read completely (prices, shelf state, stock — each a 100-SKU call — or the
details) before anything is written; a supplier failure writes nothing for the batch, and the
caller retries it later. The apply locks the products, records history and raises domain events
(:mod:`hive.catalog.freshness.apply`, or ``pool.apply_changes`` for product information).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import repository as reference_repo
from hive.catalog.freshness import repository as fresh_repo
from hive.catalog.freshness.apply import Changes, apply_bulk
from hive.catalog.pool import repository as pool_repo
from hive.catalog.pool import service as pool
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.logging import get_logger
from hive.suppliers.errors import SupplierError
from hive.suppliers.health import OK, REFRESH, AccessStatus, record_outcome
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area, ProductDetail

# SKUs applied per transaction (and read per supplier call).
BATCH = 100
# Supplier calls in flight at once for one feed batch's inline refresh.
INLINE_IN_FLIGHT = 4
# Recently used products read from the pool per query (then refreshed BATCH at a time).
RECENT_PAGE = 1000

# The adapter of a supplier id (``AdapterFactory.for_supplier_id``).
AdapterSource = Callable[[int], Awaitable[SupplierAdapter]]
# SKUs to refresh by what to read for them: the feed's merged refresh of one batch.
Plan = dict[tuple["Aspect", ...], list[str]]
# Called in the apply transaction with the SKUs that could not be read (same shape as Plan).
Settle = Callable[[AsyncSession, Plan], Awaitable[None]]
# Called in a batch's apply transaction with what it applied (the calibration's progress).
Applied = Callable[[AsyncSession, "RefreshReport"], Awaitable[None]]

log = get_logger("hive.catalog.freshness.refresh")


class Aspect(StrEnum):
    """What a refresh reads from the supplier."""

    PRICE = "price"  # purchase, retail, tax — and pool membership (priced only when pooled)
    SHELF = "shelf"
    STOCK = "stock"
    INFO = "info"  # name, brand, category, image, attributes (one call per SKU)


# The active refresh and the calibration read these (each one 100-SKU call per batch).
PRICE_SHELF_STOCK = (Aspect.PRICE, Aspect.SHELF, Aspect.STOCK)


@dataclass
class RefreshReport:
    refreshed: int = 0  # pool products read and written back
    changed: dict[str, Changes] = field(default_factory=dict)  # by SKU
    failed: dict[str, str] = field(default_factory=dict)  # SKU → error code

    @property
    def fields(self) -> Counter[str]:
        return Counter(f for changes in self.changed.values() for f in changes)

    def merge(self, other: RefreshReport) -> None:
        self.refreshed += other.refreshed
        self.changed.update(other.changed)
        self.failed.update(other.failed)


async def fetch_values(
    adapter: SupplierAdapter,
    skus: Sequence[str],
    aspects: Sequence[Aspect],
    stock_areas: Sequence[Area],
) -> dict[str, dict[str, Any]]:
    """The bulk-settable values the supplier gives now for ``skus``; raises SupplierError."""
    values: dict[str, dict[str, Any]] = {sku: {} for sku in skus}
    calls = []
    if Aspect.PRICE in aspects:
        calls.append(_prices(adapter, skus, values))
    if Aspect.SHELF in aspects:
        calls.append(_shelf(adapter, skus, values))
    if Aspect.STOCK in aspects:
        calls += [_stock(adapter, skus, area, values) for area in stock_areas]
    await asyncio.gather(*calls)
    return values


async def _prices(
    adapter: SupplierAdapter, skus: Sequence[str], values: dict[str, dict[str, Any]]
) -> None:
    quotes = {q.sku: q for q in await adapter.prices(skus)}
    for sku in skus:
        quote = quotes.get(sku)
        # A SKU that left the supplier's pool is refused a price (and left out of the answer).
        values[sku]["in_supplier_pool"] = quote is not None
        if quote is not None:
            values[sku]["purchase_price_fen"] = quote.purchase_fen
            values[sku]["retail_price_fen"] = quote.retail_fen
            values[sku]["tax_rate_percent"] = quote.tax_rate_percent


async def _shelf(
    adapter: SupplierAdapter, skus: Sequence[str], values: dict[str, dict[str, Any]]
) -> None:
    for sku, on_shelf in (await adapter.shelf_states(skus)).items():
        if sku in values:
            values[sku]["on_shelf"] = on_shelf


async def _stock(
    adapter: SupplierAdapter, skus: Sequence[str], area: Area, values: dict[str, dict[str, Any]]
) -> None:
    for level in await adapter.stock([(sku, 1) for sku in skus], area):
        if level.sku in values:
            stock = values[level.sku].setdefault("stock", {})
            stock[str(area.province)] = {"state": level.state.value, "remaining": level.remaining}


async def refresh_skus(
    database: Database,
    adapter: SupplierAdapter,
    skus: Sequence[str],
    *,
    aspects: Sequence[Aspect],
    source: str,
    stock_areas: Sequence[Area],
) -> RefreshReport:
    """Refresh the pool products of ``skus`` (others are ignored), ``BATCH`` at a time.

    A batch the supplier fails is reported in ``failed`` and left untouched; the outcome is
    recorded as the supplier's refresh state (logged when it changes, not every batch).
    """
    report = RefreshReport()
    refused: SupplierError | None = None
    distinct = list(dict.fromkeys(skus))
    for start in range(0, len(distinct), BATCH):
        chunk = distinct[start : start + BATCH]
        try:
            report.merge(
                await refresh_batch(database, adapter, chunk, aspects, source, stock_areas)
            )
        except SupplierError as error:
            refused = error
            report.failed.update(dict.fromkeys(chunk, error.code))
    await record_refresh_outcome(database, adapter.supplier_id, refused)
    return report


async def record_refresh_outcome(
    database: Database, supplier_id: int, error: SupplierError | None
) -> None:
    """The supplier's refresh state: ``ok``, or the last error a batch met (logged on change)."""
    status = AccessStatus.of(error) if error is not None else AccessStatus(OK)
    async with database.platform_transaction() as session:
        await record_outcome(session, supplier_id, REFRESH, status)


async def refresh_batch(
    database: Database,
    adapter: SupplierAdapter,
    skus: Sequence[str],
    aspects: Sequence[Aspect],
    source: str,
    stock_areas: Sequence[Area],
    *,
    stamp: str = "refreshed_at",
    applied: Applied | None = None,
) -> RefreshReport:
    """Read ``skus`` completely, then apply them in one transaction, where ``applied`` (if
    given) hears what was applied; raises SupplierError (nothing applied, ``applied`` not
    called).

    A product refreshed by someone else after this read started keeps those newer values.
    """
    report = RefreshReport()
    async with database.platform_transaction() as session:
        read_at = await fresh_repo.database_time(session)
    bulk_aspects = [a for a in aspects if a is not Aspect.INFO]
    fetched = await fetch_values(adapter, skus, bulk_aspects, stock_areas) if bulk_aspects else {}
    details = await adapter.product_details(skus) if Aspect.INFO in aspects else []
    async with database.platform_transaction() as session:
        if bulk_aspects:
            report.merge(
                await _apply_fetched(
                    session, adapter.supplier_id, fetched, source, stamp, read_at=read_at
                )
            )
        if details:
            report.merge(
                await _apply_details(session, adapter.supplier_id, details, source, read_at)
            )
        if applied is not None:
            await applied(session, report)
    return report


async def refresh_plan(
    database: Database,
    adapter: SupplierAdapter,
    plan: Plan,
    *,
    source: str,
    stock_areas: Sequence[Area],
    settle: Settle,
    in_flight: int = INLINE_IN_FLIGHT,
) -> RefreshReport:
    """Read every group of ``plan`` (bulk aspects only) ``BATCH`` SKUs a call, ``in_flight``
    calls at once, then apply all that was read in one transaction, where ``settle`` learns
    what failed. A chunk the supplier fails is left untouched; nothing read: no transaction."""
    gate = asyncio.Semaphore(in_flight)
    async with database.platform_transaction() as session:
        read_at = await fresh_repo.database_time(session)
    chunks = [
        (aspects, skus[start : start + BATCH])
        for aspects, skus in plan.items()
        for start in range(0, len(skus), BATCH)
    ]
    results = await asyncio.gather(
        *(_fetch_chunk(gate, adapter, aspects, chunk, stock_areas) for aspects, chunk in chunks)
    )
    report, failed = RefreshReport(), Plan()
    fetched: dict[str, dict[str, Any]] = {}
    refused: SupplierError | None = None
    for (aspects, chunk), result in zip(chunks, results, strict=True):
        if isinstance(result, SupplierError):
            refused = result
            failed.setdefault(aspects, []).extend(chunk)
            report.failed.update(dict.fromkeys(chunk, result.code))
            continue
        for sku, values in result.items():
            fetched.setdefault(sku, {}).update(values)
    if fetched:
        async with database.platform_transaction() as session:
            stamp = "refreshed_at"
            report.merge(
                await _apply_fetched(
                    session, adapter.supplier_id, fetched, source, stamp, read_at=read_at
                )
            )
            await settle(session, failed)
    await record_refresh_outcome(database, adapter.supplier_id, refused)
    return report


async def _fetch_chunk(
    gate: asyncio.Semaphore,
    adapter: SupplierAdapter,
    aspects: Sequence[Aspect],
    skus: Sequence[str],
    stock_areas: Sequence[Area],
) -> dict[str, dict[str, Any]] | SupplierError:
    if Aspect.INFO in aspects:
        raise ValueError("product information is not read in bulk")
    async with gate:
        try:
            return await fetch_values(adapter, skus, aspects, stock_areas)
        except SupplierError as error:
            return error  # recorded as the refresh state, logged when that changes


async def _apply_fetched(
    session: AsyncSession,
    supplier_id: int,
    fetched: dict[str, dict[str, Any]],
    source: str,
    stamp: str,
    *,
    read_at: datetime,
) -> RefreshReport:
    # The values hold as of the read: a newer value applied meanwhile (a message, another
    # refresh) is not undone by them.
    applied = await apply_bulk(
        session, supplier_id, fetched, source=source, stamp=stamp, as_of=read_at
    )
    return RefreshReport(refreshed=applied.considered, changed=applied.changed)


async def _apply_details(
    session: AsyncSession,
    supplier_id: int,
    details: Sequence[ProductDetail],
    source: str,
    read_at: datetime,
) -> RefreshReport:
    report = RefreshReport()
    by_sku = {d.sku: d for d in details}
    products = await pool_repo.products_by_sku(session, supplier_id, by_sku, lock=True)
    known = await reference_repo.supplier_categories(session, supplier_id)
    for sku, product in products.items():
        if product.status == pool.REMOVED:
            continue
        detail = by_sku[sku]
        path = detail.category_ids
        leaf = known.get(path[-1]) if path else None
        values = {
            "name": detail.name[:255],
            "brand": detail.brand[:128],
            "supplier_category_id": path[-1] if path else None,
            "category_id": leaf.mapped_category_id if leaf else None,
            "image_url": detail.image_url[:512],
            "attributes": dict(detail.attributes),
            "on_shelf": detail.on_shelf,
        }
        names = [known[c].name for c in path if c in known]
        changed = await pool.apply_changes(
            session, product, values, source=source, category_names=names, as_of=read_at
        )
        report.refreshed += 1
        if changed:
            report.changed[sku] = changed
    return report


async def refresh_recent(
    database: Database,
    adapter_for: AdapterSource,
    *,
    since: datetime,
    stock_areas: Sequence[Area],
) -> RefreshReport:
    """Refresh price, shelf state and stock of the pool products viewed or ordered since
    ``since`` (the active refresh), ``BATCH`` at a time and one supplier at a time.

    A supplier that fails leaves its batches untouched (reported in ``failed``); the next run
    picks them up again.
    """
    report = RefreshReport()
    after_id = 0
    while True:
        async with database.platform_transaction() as session:
            rows = await fresh_repo.recent_products(
                session, since, after_id=after_id, limit=RECENT_PAGE
            )
        if not rows:
            return report
        after_id = rows[-1]["id"]
        by_supplier: dict[int, list[str]] = {}
        for row in rows:
            by_supplier.setdefault(row["supplier_id"], []).append(row["supplier_sku"])
        for supplier_id, skus in by_supplier.items():
            report.merge(
                await _refresh_supplier(database, adapter_for, supplier_id, skus, stock_areas)
            )


async def _refresh_supplier(
    database: Database,
    adapter_for: AdapterSource,
    supplier_id: int,
    skus: list[str],
    stock_areas: Sequence[Area],
) -> RefreshReport:
    try:
        adapter = await adapter_for(supplier_id)
    except HiveError as error:  # disabled or removed meanwhile
        log.warning("pool refresh skipped a supplier", supplier_id=supplier_id, code=error.code)
        return RefreshReport(failed=dict.fromkeys(skus, error.code))
    return await refresh_skus(
        database,
        adapter,
        skus,
        aspects=PRICE_SHELF_STOCK,
        source="refresh",
        stock_areas=stock_areas,
    )
