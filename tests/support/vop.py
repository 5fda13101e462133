"""The VOP simulator over real HTTP and VOP adapters on a real PostgreSQL (shared fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig
from hive.suppliers import service
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter
from hive.suppliers.runtime import supplier_http_client
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.vop.adapter import VopAdapter
from tests.support.factories import ADMIN
from tests.support.servers import running_server

SECRET_KEY = "test-secret-key-for-supplier-credentials"
SECRETS = SecretBox(SECRET_KEY)


@dataclass
class Simulator:
    url: str
    config: SimulatorConfig

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.url}/admin/{path}", json=body or {})
        response.raise_for_status()
        return response.json()

    def set_faults(self, **faults: Any) -> None:
        self.admin("faults", faults)

    def advance(self, seconds: float) -> None:
        """Move the (manual) clock on; orders, after-sales and drift catch up at once."""
        self.admin("clock/advance", {"seconds": seconds})


@contextmanager
def simulator_running(data_dir: Path, **overrides: Any) -> Iterator[Simulator]:
    """A simulator on a real socket with a manual clock and the given settings."""
    config = SimulatorConfig(data_dir=data_dir, manual_clock=True, **overrides)
    with running_server(create_app(config)) as url:
        yield Simulator(url, config)


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[Simulator]:
    with simulator_running(tmp_path / "vop") as running:
        yield running


# Orders move on within seconds (clock advanced by the tests): split after 10 s, production
# 20 s, shipped 30 s, delivered 40 s, completed 50 s; an after-sale step lasts 5 s.
FAST_ORDERS = {
    "split_after_s": 10,
    "production_after_s": 20,
    "ship_after_s": 30,
    "deliver_after_s": 40,
    "complete_after_s": 50,
    "auto_cancel_after_s": 100,
    "afs_step_after_s": 5,
}


@pytest.fixture
def fast_simulator(tmp_path: Path) -> Iterator[Simulator]:
    """A simulator whose orders and after-sales move on within seconds of its manual clock."""
    with simulator_running(tmp_path / "vop-fast", orders=FAST_ORDERS) as running:
        yield running


@dataclass
class FakeClock:
    now: float = 1000.0
    ticks: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def adapter_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "supplier_retry_base_s": 0.01,
            "supplier_retry_max_s": 0.05,
            # Generous: on a loaded machine an answer of the in-process simulator can take
            # seconds, and a timed-out read would leave the pool stale. Tests of a slow
            # supplier set their own short deadline (``asyncio.wait_for``, a search timeout).
            "supplier_timeout_s": 30.0,
            "supplier_breaker_failures": 3,
            "secret_key": SecretStr(SECRET_KEY),
        }
    )


async def register_vop(
    database: Database,
    simulator: Simulator,
    rate_limits: dict[str, float] | None = None,
    *,
    name: str = "京东VOP",
    password: str | None = None,
) -> int:
    """A VOP supplier of the simulator; ``password`` other than the simulator's is refused."""
    config = simulator.config
    data = SupplierCreate(
        name=name,
        kind="vop",
        base_url=simulator.url,
        credentials=VopCredentials(
            client_id=config.client_id,
            client_secret=config.client_secret,
            username=config.username,
            password=config.password if password is None else password,
        ),
        rate_limits=rate_limits or {"*": 1000},
    )
    async with database.platform_transaction() as session:
        return (await service.create_supplier(session, ADMIN, data, SECRETS)).id


@dataclass
class AdapterKit:
    database: Database
    settings: Settings
    clock: FakeClock
    http: httpx.AsyncClient

    def factory(self) -> AdapterFactory:
        """A factory as a separate process would have (own caches, shared database)."""
        return AdapterFactory(
            database=self.database,
            settings=self.settings,
            secrets=SECRETS,
            http=self.http,
            limiter=PostgresRateLimiter(self.database),
            clock=self.clock,
        )

    async def adapter(self, supplier_id: int) -> VopAdapter:
        adapter = await self.factory().for_supplier_id(supplier_id)
        assert isinstance(adapter, VopAdapter)
        return adapter


@pytest.fixture
async def kit(database: Database, adapter_settings: Settings) -> AsyncIterator[AdapterKit]:
    async with supplier_http_client() as http:  # the production transport
        yield AdapterKit(database, adapter_settings, FakeClock(), http)
