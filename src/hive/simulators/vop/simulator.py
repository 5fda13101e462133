"""The simulator's parts wired together, independent of HTTP."""

from __future__ import annotations

from collections.abc import Callable

from hive.simulators.vop.afs_flow import AfsProgress
from hive.simulators.vop.aftersales import AfsRepository
from hive.simulators.vop.area_data import CLOSED_PROVINCES
from hive.simulators.vop.areas import build_areas
from hive.simulators.vop.auth import Auth
from hive.simulators.vop.balance import Balance
from hive.simulators.vop.catalog import Catalog
from hive.simulators.vop.categories import build_tree
from hive.simulators.vop.clock import Clock
from hive.simulators.vop.config import SimulatorConfig
from hive.simulators.vop.drift import Drift
from hive.simulators.vop.faults import FaultInjector
from hive.simulators.vop.messages import MessageFeed
from hive.simulators.vop.order_progress import OrderProgress
from hive.simulators.vop.orders import OrderRepository
from hive.simulators.vop.overlays import Overlays
from hive.simulators.vop.search_facets import Facets
from hive.simulators.vop.search_index import PlanCache, SearchIndex
from hive.simulators.vop.store import Store

Ticker = Callable[[float], None]


class Simulator:
    def __init__(self, config: SimulatorConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock(manual=config.manual_clock, start=config.clock_start)
        self.areas = build_areas()
        self.tree = build_tree()
        self.catalog = Catalog(self.tree, config.seed, config.min_sku_count)
        self.index = SearchIndex(self.catalog)
        self.facets = Facets(self.catalog)
        self.search_plans = PlanCache(config.search_plan_cache_size)
        self.store = Store(config.state_path)
        self.overlays = Overlays(self.store, self.catalog, config.pool_percent)
        self.feed = MessageFeed(self.store, self.clock)
        self.auth = Auth(config, self.store, self.clock)
        self.faults = FaultInjector(config.faults, config.seed)
        self.balance = Balance(self.store, self.clock, config.initial_balance_fen)
        self.order_repo = OrderRepository(self.store)
        self.order_progress = OrderProgress(self.order_repo, self.feed, self.balance, config.orders)
        self.drift = Drift(
            config, self.catalog, self.overlays, self.feed, self.store, self.clock.now()
        )
        self.afs_repo = AfsRepository(self.store)
        self.afs_progress = AfsProgress(
            self.afs_repo, self.feed, self.balance, config.orders.afs_step_after_s
        )
        self.tickers: list[Ticker] = [
            self.drift.run_due,
            self.order_progress.run_due,
            self.afs_progress.run_due,
        ]

    def area_restricted(self, sku: int, province: int) -> bool:
        return province in CLOSED_PROVINCES or self.catalog.area_restricted(sku, province)

    def tick(self) -> None:
        """Let clock-driven processes (drift, order and after-sale progress) catch up."""
        now = self.clock.now()
        for ticker in self.tickers:
            ticker(now)

    def close(self) -> None:
        self.store.close()
