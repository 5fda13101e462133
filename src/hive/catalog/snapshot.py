"""Fetching what the pool stores about supplier SKUs: details, price, rating, stock.

Returns snapshots for the SKUs that could be read completely and a reason for each that could
not, so callers import whole products or nothing of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hive.suppliers.errors import SupplierError
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area, PriceQuote, ProductDetail, ProductRating

NOT_IN_SUPPLIER_POOL = "not_in_supplier_pool"
NO_PRICE = "no_price"


@dataclass(frozen=True, slots=True)
class ProductSnapshot:
    sku: str
    detail: ProductDetail
    price: PriceQuote
    rating: ProductRating | None
    # When reading started: the values hold as of then (our clock).
    read_at: datetime
    # province id (text) → {"state": StockState value, "remaining": int | None}
    stock: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def margin_percent(self) -> float:
        return margin_percent(self.price.purchase_fen, self.price.retail_fen)


def margin_percent(purchase_fen: int, retail_fen: int) -> float:
    """Gross margin of selling at the retail price: (retail - purchase) / retail, in percent."""
    if retail_fen <= 0:
        return 0.0
    return round((retail_fen - purchase_fen) * 100 / retail_fen, 2)


@dataclass
class SnapshotBatch:
    snapshots: dict[str, ProductSnapshot] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


async def fetch_snapshots(
    adapter: SupplierAdapter, skus: Sequence[str], stock_areas: Sequence[Area]
) -> SnapshotBatch:
    """Read every SKU; a supplier failure marks all SKUs not yet read with its code."""
    batch = SnapshotBatch()
    read_at = datetime.now(UTC)
    try:
        details = {d.sku: d for d in await adapter.product_details(skus)}
        batch.failures.update({s: NOT_IN_SUPPLIER_POOL for s in skus if s not in details})
        prices = {p.sku: p for p in await adapter.prices(list(details))}
        batch.failures.update({s: NO_PRICE for s in details if s not in prices})
        ready = [s for s in details if s in prices]
        ratings = {r.sku: r for r in await adapter.ratings(ready)} if ready else {}
        stock = await _stock(adapter, ready, stock_areas)
    except SupplierError as error:
        batch.failures.update({s: error.code for s in skus if s not in batch.failures})
        return batch
    for sku in ready:
        batch.snapshots[sku] = ProductSnapshot(
            sku, details[sku], prices[sku], ratings.get(sku), read_at, stock.get(sku, {})
        )
    return batch


async def _stock(
    adapter: SupplierAdapter, skus: list[str], areas: Sequence[Area]
) -> dict[str, dict[str, dict[str, Any]]]:
    by_sku: dict[str, dict[str, dict[str, Any]]] = {}
    if not skus:
        return by_sku
    for area in areas:
        for level in await adapter.stock([(sku, 1) for sku in skus], area):
            by_sku.setdefault(level.sku, {})[str(area.province)] = {
                "state": level.state.value,
                "remaining": level.remaining,
            }
    return by_sku


def parse_areas(text: str) -> list[Area]:
    """``"1_72_2799_0,2_2813_51976_0"`` → areas (the setting is validated by its pattern)."""
    areas = []
    for part in text.split(","):
        province, city, county, town = (int(n) for n in part.split("_"))
        areas.append(Area(province, city, county, town))
    return areas
