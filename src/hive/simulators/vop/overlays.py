"""Drifted state laid over the pure catalogue: price, stock, shelf, pool, info and tax.

Base values stay pure functions; an overlay row replaces one of them for one SKU. Overlays
live in the store (so a drifted price is the same on every call and after a restart) and are
mirrored in memory because every price and stock call reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from hive.simulators.vop.catalog import Catalog
from hive.simulators.vop.hashing import mix
from hive.simulators.vop.store import Store, dumps

Kind = Literal["price", "stock", "shelf", "pool", "info", "tax"]


@dataclass(frozen=True, slots=True)
class SkuPrice:
    jd_price: int
    price: int
    market_price: int
    tax_rate: int

    @property
    def naked_price(self) -> int:
        return round(self.price * 100 / (100 + self.tax_rate))

    @property
    def tax_price(self) -> int:
        return self.price - self.naked_price


@dataclass(frozen=True, slots=True)
class Stock:
    state_id: int
    remain: int


STOCK_STATES: dict[int, str] = {
    33: "有货 现货-下单立即发货",
    39: "有货 在途-正在内部配货，预计2~6天到达本仓库",
    40: "有货 可配货-下单后从有货仓库配货",
    36: "预订",
    34: "无货",
    99: "无货开预定",
}


class Overlays:
    def __init__(self, store: Store, catalog: Catalog, pool_percent: int) -> None:
        self.store = store
        self.catalog = catalog
        self.pool_percent = pool_percent
        self._values: dict[tuple[int, str], object] = {}
        for sku, kind, value in store.query("SELECT sku_id, kind, value FROM overlays"):
            self._values[(int(str(sku)), str(kind))] = json.loads(str(value))

    def set(self, sku: int, kind: Kind, value: object) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO overlays (sku_id, kind, value) VALUES (?, ?, ?) "
                "ON CONFLICT (sku_id, kind) DO UPDATE SET value = excluded.value",
                (sku, kind, dumps(value)),
            )
        self._values[(sku, kind)] = value

    def get(self, sku: int, kind: Kind) -> object:
        return self._values.get((sku, kind))

    def price(self, sku: int) -> SkuPrice:
        drifted = self._values.get((sku, "price"))
        jd = drifted if isinstance(drifted, int) else self.catalog.jd_price(sku)
        tax = self._values.get((sku, "tax"))
        return SkuPrice(
            jd_price=jd,
            price=self.catalog.purchase_price(sku, jd),
            market_price=self.catalog.market_price(sku, jd),
            tax_rate=tax if isinstance(tax, int) else self.catalog.tax_rate(sku),
        )

    def on_shelf(self, sku: int) -> bool:
        drifted = self._values.get((sku, "shelf"))
        return bool(drifted) if drifted is not None else self.catalog.base_on_shelf(sku)

    def in_pool(self, sku: int) -> bool:
        if not self.catalog.exists(sku):
            return False
        drifted = self._values.get((sku, "pool"))
        if drifted is not None:
            return bool(drifted)
        return self.catalog.base_in_pool(sku, self.pool_percent)

    def info_version(self, sku: int) -> int:
        drifted = self._values.get((sku, "info"))
        return drifted if isinstance(drifted, int) else 0

    def stock(self, sku: int, province: int) -> Stock:
        drifted = self._values.get((sku, "stock"))
        if isinstance(drifted, list) and len(drifted) == 2:
            return Stock(int(drifted[0]), int(drifted[1]))
        return base_stock(self.catalog, sku, province)


def base_stock(catalog: Catalog, sku: int, province: int) -> Stock:
    """Stock state per SKU and province: mostly in stock, some in transit, pre-order or none."""
    h = mix(catalog.seed, sku, province, 20)
    roll = h % 100
    if roll < 60:
        exact = (h >> 8) % 3 != 0
        return Stock(33, 1 + (h >> 16) % 500 if exact else -1)
    for limit, state in ((68, 39), (72, 40), (77, 36)):
        if roll < limit:
            return Stock(state, -1)
    return Stock(34, 0) if roll < 95 else Stock(99, 0)
