"""Benchmark: what the Open API's layers cost on a product read, per gateway process.

It starts its own embedded PostgreSQL under ``<repo>/.hive/bench-<random>``, migrates it, adds
a tenant with an app, a default distribution pool and priced products, then serves one gateway
process (uvicorn + uvloop, HAG as ``hive hag`` builds it, every middleware) that answers both:

* ``GET /open/v1/products/{id}`` — signed: signature + timestamp + nonce (PostgreSQL), rate
  limit (PostgreSQL bucket, limit set high enough never to refuse), the tenant's transaction
  under row-level security;
* ``GET /bench/products/{id}`` — the same route function (``openapi.routes.get_product``: same
  SQL, same answer body, same response model) called in a platform transaction for the bench
  tenant, unsigned and unlimited: the layers off.

The gateway process configures logging as ``hive hag`` does (``HIVE_LOG_LEVEL``).

Both are driven in the same run, alternately in rounds, by the same client (32 connections
in flight; the client signs every request of the signed route). The RESULT is signed
throughput / unsigned throughput; goal >= 0.8 (the layers cost at most 20 %).

    .venv/bin/python bench/open_api_bench.py [--quick] [--requests 6000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Annotated

import httpx
from fastapi import APIRouter, Path, Request
from harness import (
    BenchApp,
    client_limits,
    create_default_pool,
    create_tenant_app,
    finish,
    gateway_env,
    print_conditions,
    scratch_database,
    start_gateway,
    stop_gateway,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.apps.hag import create_hag_app
from hive.openapi import routes as open_routes
from hive.openapi.schemas_api import ProductDetailOut
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.http import PUBLIC, database_of
from hive.platform.validation import INT64_MAX

GOAL = 0.8
PRODUCTS = 2_000
REQUESTS = 6_000
QUICK_REQUESTS = 1_500
ROUNDS = 3
SECRET_KEY = "open-api-bench-secret-key-0123456789abcdef"  # noqa: S105 - a throw-away database
SERVER = """
import sys
sys.path.insert(0, {bench!r})
import uvicorn
from harness import configure_gateway_logging
from open_api_bench import bench_app
configure_gateway_logging()
uvicorn.run(bench_app(), host="127.0.0.1", port={port}, loop="uvloop", log_config=None,
            access_log=False)
"""


def bench_app() -> object:
    """HAG as ``hive hag`` serves it, plus the unsigned baseline: the signed route's own
    function, called with the bench tenant as its caller and a platform transaction."""
    settings = Settings()
    app = create_hag_app(settings, settings.database_url)
    baseline = APIRouter(dependencies=[PUBLIC])
    caller = SimpleNamespace(tenant_id=int(os.environ["BENCH_TENANT_ID"]))

    @baseline.get("/bench/products/{product_id}", response_model=ProductDetailOut)
    async def product(
        request: Request, product_id: Annotated[int, Path(ge=1, le=INT64_MAX)]
    ) -> ProductDetailOut:
        async with database_of(request).platform_transaction() as session:
            return await open_routes.get_product(request, product_id, caller, session)  # type: ignore[arg-type]

    app.include_router(baseline)
    return app


async def prepare(url: str, products: int) -> tuple[int, str, str, list[int]]:
    """A grade, a tenant with an app (limit never reached), a default pool, priced products."""
    database = Database(create_engine(url, Settings(database_url=url), pooled=False))
    try:
        async with database.platform_transaction() as session:
            app = await create_tenant_app(session, SECRET_KEY)
            await create_default_pool(session, app.grade_id)
            ids = await _products(session, app.grade_id, products)
        return app.tenant_id, app.app_key, app.app_secret, ids
    finally:
        await database.dispose()


async def _products(session: AsyncSession, grade_id: int, count: int) -> list[int]:
    run = session.execute
    supplier = (
        await run(
            text(
                "INSERT INTO suppliers (name, kind, base_url, credentials_encrypted, rate_limits, "
                "enabled) VALUES ('bench', 'warehouse', '', '', '{}', true) RETURNING id"
            )
        )
    ).scalar_one()
    rows = await run(
        text(
            "INSERT INTO products (supplier_id, supplier_sku, name, brand, image_url, images, "
            "attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, in_supplier_pool, "
            "stock, status) SELECT :s, 'B' || g, '商品 ' || g, '品牌', '', '[]', '{}', 1000 + g, "
            "2000 + g, 0, true, true, '{}', 'active' FROM generate_series(1, :n) g RETURNING id"
        ),
        {"s": supplier, "n": count},
    )
    ids = [int(i) for i in rows.scalars()]
    await run(
        text(
            "INSERT INTO product_prices (product_id, grade_id, price_fen, floor_fen, floor_hit, "
            "ceiling_hit, below_cost, no_fit) SELECT id, :g, retail_price_fen - 1, "
            "purchase_price_fen, false, false, false, false FROM products"
        ),
        {"g": grade_id},
    )
    await run(text("ANALYZE"))
    return ids


Request_ = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def drive(
    base: str, send: Request_, ids: list[int], count: int, concurrency: int
) -> tuple[float, list[float]]:
    """``count`` requests, ``concurrency`` in flight; requests/s and each latency (s)."""
    latencies: list[float] = []
    next_index = iter(range(count))
    async with httpx.AsyncClient(
        base_url=base, limits=client_limits(concurrency), timeout=30
    ) as client:

        async def worker() -> None:
            for i in next_index:
                started = time.perf_counter()
                response = await send(client, ids[i % len(ids)])
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return count / elapsed, latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


async def measure(
    base: str, key: str, secret: str, ids: list[int], requests: int, concurrency: int
) -> float:
    app = BenchApp(0, 0, key, secret)

    async def signed(client: httpx.AsyncClient, product_id: int) -> httpx.Response:
        return await app.get(client, f"/open/v1/products/{product_id}")

    async def unsigned(client: httpx.AsyncClient, product_id: int) -> httpx.Response:
        return await client.get(f"/bench/products/{product_id}")

    await drive(base, unsigned, ids, 200, concurrency)  # warm both paths up
    await drive(base, signed, ids, 200, concurrency)
    results: dict[str, list[tuple[float, list[float]]]] = {"on": [], "off": []}
    per_round = requests // ROUNDS
    for _ in range(ROUNDS):
        results["off"].append(await drive(base, unsigned, ids, per_round, concurrency))
        results["on"].append(await drive(base, signed, ids, per_round, concurrency))
    rates = {}
    for name, runs in results.items():
        rate = statistics.mean(r for r, _ in runs)
        latencies = [latency for _, lats in runs for latency in lats]
        rates[name] = rate
        label = "layers on (signed)" if name == "on" else "layers off (baseline)"
        print(f"{label:<24} {rate:8.1f} requests/s per process, p99 {p99(latencies) * 1000:.1f} ms")
    return rates["on"] / rates["off"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    requests = args.requests or (QUICK_REQUESTS if args.quick else REQUESTS)
    size = "quick" if args.quick else "full"
    print_conditions(
        f"{size}: {PRODUCTS:,} products, {requests:,} requests per side, "
        f"{args.concurrency} in flight, 1 gateway"
    )
    gateway = None
    with scratch_database() as (url, work):
        try:
            tenant_id, key, secret, ids = asyncio.run(prepare(url, PRODUCTS))
            env = {**gateway_env(url, work, SECRET_KEY), "BENCH_TENANT_ID": str(tenant_id)}
            gateway, base = start_gateway(SERVER, env)
            ratio = asyncio.run(measure(base, key, secret, ids, requests, args.concurrency))
        finally:
            stop_gateway(gateway)
    finish("open_api", "signed/unsigned throughput", f"{ratio:.3f}", f">= {GOAL}", ratio >= GOAL)


if __name__ == "__main__":
    main()
