"""What the supplier benchmarks share: a throw-away embedded PostgreSQL, the VOP simulator in
its own process, and a registered VOP supplier. Everything stays on 127.0.0.1 and is removed
at the end."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.database_server import create_database_if_missing, start_embedded
from hive.platform.db import Database
from hive.platform.migrations import upgrade_to_head
from hive.suppliers import service
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter, RateLimiter
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.vop.adapter import VopAdapter

REPO = Path(__file__).resolve().parent.parent
ADMIN = Actor(user_id=None, username="bench", role="platform_admin")
SECRETS = SecretBox("bench-secret-key-bench-secret-key!!")
SIMULATOR_START_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``hive vop-sim`` in its own process (its demo credentials); returns it and its URL."""
    port = free_port()
    env = {**os.environ, "HIVE_VOP_SIM_PORT": str(port), "HIVE_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "hive", "vop-sim"], env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SIMULATOR_START_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("simulator did not start")


@dataclass(frozen=True)
class BenchEnvironment:
    database_url: str
    simulator_url: str
    simulator_pid: int
    postgres_pid: int


@contextmanager
def bench_environment() -> Iterator[BenchEnvironment]:
    """A migrated database and a running simulator, both gone afterwards."""
    # Inside the repository: the embedded server's system user must be able to reach it.
    work = REPO / ".hive" / f"bench-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    simulator = None
    try:
        server = start_embedded(work / "pgdata")
        create_database_if_missing(server.get_uri("postgres"), "bench")
        database_url = server.get_uri("bench")
        upgrade_to_head(database_url)
        simulator, sim_url = start_simulator(work / "sim")
        postmaster = int((work / "pgdata" / "postmaster.pid").read_text().split()[0])
        yield BenchEnvironment(database_url, sim_url, simulator.pid, postmaster)
    finally:
        if simulator is not None:
            simulator.terminate()
            simulator.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


async def register_vop(
    database: Database, url: str, name: str, rate_limits: dict[str, float]
) -> int:
    data = SupplierCreate(
        name=name,
        kind="vop",
        base_url=url,
        credentials=VopCredentials(
            client_id="hive-demo",
            client_secret="hive-demo-secret",  # noqa: S106 - the simulator's demo account
            username="hive",
            password="hive-demo-password",  # noqa: S106
        ),
        rate_limits=rate_limits,
    )
    async with database.platform_transaction() as session:
        return (await service.create_supplier(session, ADMIN, data, SECRETS)).id


def adapter_factory(
    database: Database,
    settings: Settings,
    http: httpx.AsyncClient,
    limiter: RateLimiter | None = None,
) -> AdapterFactory:
    """Adapters over the benchmark's database (PostgreSQL rate limiter unless given one)."""
    return AdapterFactory(
        database=database,
        settings=settings,
        secrets=SECRETS,
        http=http,
        limiter=limiter or PostgresRateLimiter(database),
    )


async def vop_adapter(factory: AdapterFactory, supplier_id: int) -> VopAdapter:
    adapter = await factory.for_supplier_id(supplier_id)
    assert isinstance(adapter, VopAdapter)
    return adapter
