"""Clock-driven drift: every interval a deterministic sample of SKUs changes price, stock,
shelf state, pool membership, product info or tax, with the message VOP would send
(2 price, 4 shelf, 6 pool, 16 info, 100 tax; stock changes are silent, as upstream).

Tick ``t`` always touches the same SKUs in the same way for a given seed; the result is kept
as overlays in the store, so a drifted value is stable across calls and restarts.
"""

from __future__ import annotations

from collections.abc import Callable

from hive.simulators.vop.catalog import SKU_BASE, Catalog
from hive.simulators.vop.config import SimulatorConfig
from hive.simulators.vop.hashing import mix, unit
from hive.simulators.vop.messages import MessageFeed
from hive.simulators.vop.overlays import Overlays
from hive.simulators.vop.product_views import POOL_PAGE_BASE
from hive.simulators.vop.store import Store

LAST_TICK_KEY = "drift_last_tick"
STOCK_CHOICES = ((33, 5), (33, -1), (39, -1), (40, -1), (36, -1), (34, 0), (99, 0))
TAX_RATES = (6, 9, 13)


class Drift:
    def __init__(
        self,
        config: SimulatorConfig,
        catalog: Catalog,
        overlays: Overlays,
        feed: MessageFeed,
        store: Store,
        now: float,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.overlays = overlays
        self.feed = feed
        self.store = store
        stored = store.get_kv(LAST_TICK_KEY)
        self.last_tick = int(stored) if stored else int(now // config.drift_interval_s)
        self._changes: tuple[Callable[[int, int], None], ...] = (
            self._price,
            self._stock,
            self._shelf,
            self._pool,
            self._info,
            self._tax,
        )

    @property
    def per_tick(self) -> int:
        wanted = round(self.config.drift_fraction * self.catalog.size)
        if self.config.drift_fraction > 0:
            wanted = max(1, wanted)
        return min(self.config.drift_max_per_tick, wanted)

    def run_due(self, now: float) -> None:
        tick = int(now // self.config.drift_interval_s)
        if tick <= self.last_tick:
            return
        first = max(self.last_tick + 1, tick - self.config.drift_max_catchup_ticks + 1)
        with self.store.transaction():
            for t in range(first, tick + 1):
                self.run_tick(t)
            self.last_tick = tick
            self.store.set_kv(LAST_TICK_KEY, str(tick))

    def run_tick(self, tick: int) -> None:
        seed = self.catalog.seed
        for j in range(self.per_tick):
            sku = SKU_BASE + mix(seed, tick, j, 30) % self.catalog.size
            change = self._changes[mix(seed, tick, j, 31) % len(self._changes)]
            change(sku, mix(seed, tick, j, 32))

    def _emit(self, msg_type: int, sku: int, **extra: object) -> None:
        if self.overlays.in_pool(sku) or msg_type == 6:
            self.feed.emit(msg_type, {"skuId": sku, **extra})

    def _price(self, sku: int, h: int) -> None:
        current = self.overlays.price(sku).jd_price
        factor = 0.85 + 0.3 * unit(h)
        self.overlays.set(sku, "price", max(90, round(current * factor / 10) * 10))
        self._emit(2, sku)

    def _stock(self, sku: int, h: int) -> None:
        self.overlays.set(sku, "stock", list(STOCK_CHOICES[h % len(STOCK_CHOICES)]))

    def _shelf(self, sku: int, h: int) -> None:
        state = 0 if self.overlays.on_shelf(sku) else 1
        self.overlays.set(sku, "shelf", state)
        self._emit(4, sku, state=state)

    def _pool(self, sku: int, h: int) -> None:
        joined = not self.overlays.in_pool(sku)
        self.overlays.set(sku, "pool", 1 if joined else 0)
        page = str(POOL_PAGE_BASE + self.catalog.slots(sku).leaf)
        self._emit(6, sku, page_num=page, state=1 if joined else 2)

    def _info(self, sku: int, h: int) -> None:
        self.overlays.set(sku, "info", self.overlays.info_version(sku) + 1)
        self._emit(16, sku)

    def _tax(self, sku: int, h: int) -> None:
        current = self.overlays.price(sku).tax_rate
        choices = [rate for rate in TAX_RATES if rate != current]
        self.overlays.set(sku, "tax", choices[h % len(choices)])
        self._emit(100, sku)
