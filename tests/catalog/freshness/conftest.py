"""Pool freshness tests: the VOP simulator over real HTTP (manual clock), a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hive.catalog.freshness.tasks import FEED_QUEUE
from hive.catalog.selection import service as selection
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, run_worker
from hive.simulators.vop.app import create_app
from hive.simulators.vop.catalog import SKU_BASE
from hive.simulators.vop.config import SimulatorConfig
from hive.simulators.vop.hashing import mix
from hive.simulators.vop.simulator import Simulator as SimulatorState
from hive.suppliers.types import Area
from hive.suppliers.vop.adapter import VopAdapter
from tests.support.factories import ADMIN
from tests.support.servers import running_server
from tests.support.vop import AdapterKit, Simulator, register_vop

AREAS = [Area(1, 72, 2799, 0)]
# The order of the simulator's drift changes (hive.simulators.vop.drift.Drift._changes).
DRIFT_KINDS = ("price", "stock", "shelf", "pool", "info", "tax")


@dataclass
class World:
    database: Database
    simulator: Simulator
    state: SimulatorState
    kit: AdapterKit
    supplier_id: int
    adapter: VopAdapter
    # The worker's runtime (tests swap its adapters to simulate a supplier that fails).
    runtime: JobRuntime

    async def select(self, skus: list[str]) -> list[str]:
        report = await selection.select_skus(
            self.database, self.adapter, ADMIN, skus, stock_areas=AREAS
        )
        return report.added

    def upcoming_drift(self, ticks: int) -> dict[str, frozenset[str]]:
        """What the simulator's next ``ticks`` drift ticks change, by SKU: every kind of change
        it gets in them (a SKU can drift more than once: a pool exit, then a price)."""
        drift, seed = self.state.drift, self.state.catalog.seed
        changes: dict[str, set[str]] = {}
        for tick in range(drift.last_tick + 1, drift.last_tick + 1 + ticks):
            for j in range(drift.per_tick):
                sku = SKU_BASE + mix(seed, tick, j, 30) % self.state.catalog.size
                kind = DRIFT_KINDS[mix(seed, tick, j, 31) % len(DRIFT_KINDS)]
                changes.setdefault(str(sku), set()).add(kind)
        return {sku: frozenset(kinds) for sku, kinds in changes.items()}

    def drifting_only(self, ticks: int, kinds: set[str]) -> list[str]:
        """SKUs the next ``ticks`` drift ticks change, each only in ``kinds``."""
        return [sku for sku, got in self.upcoming_drift(ticks).items() if got <= kinds]

    def advance(self, ticks: int) -> None:
        self.simulator.admin(
            "clock/advance", {"seconds": ticks * self.state.config.drift_interval_s}
        )

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.database.platform_transaction() as session:
            result = await session.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    async def run_feed_jobs(self) -> None:
        """Run the refresh jobs the feed deferred (only that queue), until none is due."""
        await run_worker(self.runtime, wait=False, queues=[FEED_QUEUE])


@pytest.fixture
def sim_server(tmp_path: Path) -> Iterator[tuple[Simulator, SimulatorState]]:
    config = SimulatorConfig(
        data_dir=tmp_path / "vop",
        manual_clock=True,
        min_sku_count=1,
        drift_fraction=0.001,
        drift_max_per_tick=400,
    )
    app = create_app(config)
    with running_server(app) as url:
        yield Simulator(url, config), app.state.simulator


@pytest.fixture
async def world(
    database: Database, sim_server: tuple[Simulator, SimulatorState], kit: AdapterKit
) -> World:
    simulator, state = sim_server
    supplier_id = await register_vop(database, simulator)
    factory = kit.factory()
    adapter = await factory.for_supplier_id(supplier_id)
    assert isinstance(adapter, VopAdapter)
    runtime = JobRuntime(kit.settings.database_url, database, kit.settings, factory.for_supplier_id)
    return World(database, simulator, state, kit, supplier_id, adapter, runtime)
