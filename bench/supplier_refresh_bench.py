"""Benchmark: price + stock refresh of 100,000 SKUs through the VOP adapter, rate-limited.

Everything is real: an embedded PostgreSQL (token store and the shared rate-limit buckets),
the VOP simulator in its own process over HTTP on 127.0.0.1, and the adapter with its full
guard (rate limit, bulkhead, breaker, retries). Each of the two methods is limited to
``--qps`` calls per second; the baseline is that configured limit, and the run prints the
achieved calls/s of each method as a fraction of it (goal >= 0.9).

    .venv/bin/python bench/supplier_refresh_bench.py [--skus 100000] [--qps 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.database_server import create_database_if_missing, start_embedded
from hive.platform.db import Database, create_engine
from hive.platform.migrations import upgrade_to_head
from hive.suppliers import service
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.resilience.metrics import SUPPLIER_CALLS
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.types import Area
from hive.suppliers.vop.adapter import VopAdapter, chunks

REPO = Path(__file__).resolve().parent.parent
AREA = Area(1, 72, 2799, 0)
METHODS = ("price/getSellPrice", "stock/getNewStockById")
SUPPLIER_NAME = "bench-vop"
ADMIN = Actor(user_id=None, username="bench", role="platform_admin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "HIVE_VOP_SIM_PORT": str(port), "HIVE_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "hive", "vop-sim"], env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("simulator did not start")


async def register(database: Database, url: str, qps: float, secrets: SecretBox) -> int:
    data = SupplierCreate(
        name=SUPPLIER_NAME,
        kind="vop",
        base_url=url,
        credentials=VopCredentials(
            client_id="hive-demo",
            client_secret="hive-demo-secret",  # noqa: S106
            username="hive",
            password="hive-demo-password",  # noqa: S106
        ),
        rate_limits={"*": 1000, **dict.fromkeys(METHODS, qps)},
    )
    async with database.platform_transaction() as session:
        return (await service.create_supplier(session, ADMIN, data, secrets)).id


async def collect_skus(adapter: VopAdapter, wanted: int) -> list[str]:
    skus: list[str] = []
    for page_num in await adapter.pool_pages():
        page_no, page_count = 1, 1
        while page_no <= page_count and len(skus) < wanted:
            ids, page_count = await adapter.pool_page_skus(page_num, page_no)
            skus += ids
            page_no += 1
        if len(skus) >= wanted:
            return skus[:wanted]
    return skus


async def refresh(adapter: VopAdapter, skus: list[str], in_flight: int) -> tuple[int, int]:
    gate = asyncio.Semaphore(in_flight)
    priced = stocked = 0

    async def one(chunk: list[str]) -> None:
        nonlocal priced, stocked
        async with gate:
            quotes, levels = await asyncio.gather(
                adapter.prices(chunk), adapter.stock([(s, 1) for s in chunk], AREA)
            )
            priced += len(quotes)
            stocked += len(levels)

    await asyncio.gather(*(one(list(chunk)) for chunk in chunks(skus)))
    return priced, stocked


async def run(args: argparse.Namespace, database_url: str, sim_url: str) -> None:
    settings = Settings(database_url=database_url, log_format="json")
    database = Database(create_engine(database_url, settings))
    secrets = SecretBox("bench-secret-key-bench-secret-key!!")
    try:
        supplier_id = await register(database, sim_url, args.qps, secrets)
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as http:
            factory = AdapterFactory(
                database=database,
                settings=settings,
                secrets=secrets,
                http=http,
                limiter=PostgresRateLimiter(database),
            )
            adapter = await factory.for_supplier_id(supplier_id)
            assert isinstance(adapter, VopAdapter)
            skus = await collect_skus(adapter, args.skus)
            before = {m: calls_made(m) for m in METHODS}
            started = time.perf_counter()
            priced, stocked = await refresh(adapter, skus, args.in_flight)
            elapsed = time.perf_counter() - started
            made = {m: calls_made(m) - before[m] for m in METHODS}
        report(len(skus), priced, stocked, elapsed, args.qps, made)
    finally:
        await database.dispose()


def calls_made(method: str) -> float:
    """HTTP exchanges the adapter's guard counted for ``method`` (its Prometheus counter)."""
    return float(SUPPLIER_CALLS.labels(SUPPLIER_NAME, method)._value.get())


def report(
    skus: int, priced: int, stocked: int, elapsed: float, qps: float, made: dict[str, float]
) -> None:
    print(f"refreshed {skus} SKUs ({priced} prices, {stocked} stock levels) in {elapsed:.1f} s")
    print(f"baseline (configured limit per method): {qps:.1f} calls/s")
    for method, calls in made.items():
        achieved = calls / elapsed
        print(
            f"{method:<24} {calls:6.0f} calls {achieved:7.1f} calls/s  "
            f"ratio to limit {achieved / qps:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--qps", type=float, default=50.0)
    parser.add_argument("--in-flight", type=int, default=32)
    args = parser.parse_args()
    work = REPO / ".hive" / f"bench-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    simulator = None
    try:
        server = start_embedded(work / "pgdata")
        create_database_if_missing(server.get_uri("postgres"), "bench")
        database_url = server.get_uri("bench")
        upgrade_to_head(database_url)
        simulator, sim_url = start_simulator(work / "sim")
        asyncio.run(run(args, database_url, sim_url))
    finally:
        if simulator is not None:
            simulator.terminate()
            simulator.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
