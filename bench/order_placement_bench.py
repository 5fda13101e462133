"""Benchmark: time from an order's acceptance to its sub-order placed upstream, p50 and p99,
beside the supplier call alone measured in the same run.

Real pieces: embedded PostgreSQL, the VOP simulator in its own process (no added latency),
a ``hive worker`` process running the submission saga (procrastinate, the VOP adapter), and
``accept_order`` committing each order with its deferred job. Orders arrive at a steady pace
(``--rate`` per second, default 2: latency, not throughput — orders-per-second is the
acceptance benchmark's), one VOP sub-order each with three lines.

- Saga latency: from the acceptance's commit (the order and its job exist) to the start of
  the transaction that records the supplier's answer and applies ``placed`` (its timeline
  line): the job's pick-up, the attempt's commit, reading the lines and decrypting the
  receiver, and the supplier's ``submitOrder``. Also printed: commit to the job's start
  (procrastinate's ``started`` event) and to ``confirmed``. Python and PostgreSQL read the
  same system clock.
- Baseline: ``submitOrder`` alone — the same adapter sending orders of the same shape directly,
  one at a time at the same pace, timed around the call.

The ratio is baseline p50 / saga p50 (1.0: the saga adds nothing to the supplier call). Goal
>= 0.25: the saga's own work (pick-up and three short transactions) at most three times the
supplier call.

    .venv/bin/python bench/order_placement_bench.py [--quick] [--orders 200] [--rate 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness import (
    ADMIN,
    SECRET_KEY,
    SECRETS,
    adapter_factory,
    bench_environment,
    finish,
    print_conditions,
    register_vop,
    vop_adapter,
)
from sqlalchemy import text

from hive.billing import service as billing
from hive.billing.schemas import TopUp
from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate
from hive.catalog.library import service as library
from hive.customers import service as customers
from hive.customers.schemas import GradeCreate, TenantCreate
from hive.orders.acceptance import accept_order
from hive.orders.schemas import OrderRequest
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.suppliers.runtime import supplier_http_client
from hive.suppliers.types import (
    Area,
    OrderLine,
    Recipient,
    SearchQuery,
    UpstreamOrderRequest,
)
from hive.suppliers.vop.adapter import VopAdapter

ORDERS, QUICK_ORDERS = 200, 40  # full size: 100 s of arrivals at the default rate
AREA = Area(1, 72, 2799, 0)
RECIPIENT = Recipient("张三", "13800000000", "朝阳区建国路 1 号", AREA)
FINANCE = Actor(user_id=None, username="bench-finance", role="finance")
WORKER_START_S = 120.0
GOAL = 0.25


async def orderable_skus(adapter: VopAdapter, count: int) -> list[tuple[str, int, int]]:
    """``(sku, purchase fen, retail fen)`` of SKUs that can be ordered to Beijing, 3 at a time."""
    found: list[tuple[str, int, int]] = []
    for page in range(1, 20):
        hits = (await adapter.search(SearchQuery(keyword="笔记本", page=page, page_size=50))).hits
        quotes = {q.sku: q for q in await adapter.prices([hit.sku for hit in hits])}
        shelf = await adapter.shelf_states(list(quotes))
        allowed = await adapter.area_limits(list(quotes), AREA)
        candidates = [s for s in quotes if shelf.get(s) and allowed.get(s)]
        for level in await adapter.stock([(sku, 3) for sku in candidates], AREA):
            if level.state.can_order and (level.remaining is None or level.remaining >= 3):
                quote = quotes[level.sku]
                found.append((level.sku, quote.purchase_fen, quote.retail_fen))
                if len(found) == count:
                    return found
    raise SystemExit(f"fewer than {count} orderable SKUs")


async def prepare(database: Database, supplier_id: int, skus: list[tuple[str, int, int]]) -> Any:
    """A tenant on a grade, a default pool with the SKUs as products in its library, money."""
    async with database.platform_transaction() as session:
        grade = await customers.create_grade(
            session, ADMIN, GradeCreate(name="金牌", price_coefficient=Decimal(1))
        )
        tenant = await customers.create_tenant(
            session, ADMIN, TenantCreate(code="bench", name="压测企业", grade_id=grade.id)
        )
        pool = await distribution.create_pool(
            session, ADMIN, PoolCreate(name="默认池", kind=PoolKind.DEFAULT)
        )
        await distribution.assign_pool(session, ADMIN, pool.id, AssignmentCreate(grade_id=grade.id))
        ids = []
        for sku, purchase, retail in skus:
            ids.append(await _product(session, supplier_id, grade.id, sku, purchase, retail))
        await billing.top_up(
            session, FINANCE, TopUp(tenant_id=tenant.id, amount_fen=10**12, note="压测")
        )
    buyer = Actor(user_id=None, username="buyer", role="tenant_user", tenant_id=tenant.id)
    async with database.tenant_transaction(tenant.id) as session:
        await library.add_products(session, buyer, ids)
    async with database.platform_transaction() as session:
        prices = {
            pid: o.price_fen
            for pid, o in (await library.orderable(session, tenant.id, ids)).items()
        }
    return tenant.id, buyer, prices


async def _product(
    session: Any, supplier_id: int, grade_id: int, sku: str, purchase: int, retail: int
) -> int:
    product_id = (
        await session.execute(
            text(
                "INSERT INTO products (supplier_id, supplier_sku, name, brand, image_url, images, "
                "attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, "
                "in_supplier_pool, stock, status) VALUES (:s, :sku, :name, '品牌', "
                "'', '[]', '{}', :p, :r, 0, true, true, "
                """'{"1": {"state": "in_stock", "remaining": 500}}', 'active') RETURNING id"""
            ),
            {"s": supplier_id, "sku": sku, "name": f"笔记本 {sku}", "p": purchase, "r": retail},
        )
    ).scalar_one()
    await session.execute(
        text(
            "INSERT INTO product_prices (product_id, grade_id, price_fen, floor_fen, floor_hit, "
            "ceiling_hit, below_cost, no_fit) VALUES (:id, :g, :r, :p, false, false, false, false)"
        ),
        {"id": product_id, "g": grade_id, "r": retail, "p": purchase},
    )
    return int(product_id)


def order_request(number: int, prices: dict[int, int]) -> OrderRequest:
    return OrderRequest.model_validate(
        {
            "order_no": f"BENCH-{number:06d}",
            "items": [
                {"product_id": pid, "quantity": 1 + i, "unit_price": price}
                for i, (pid, price) in enumerate(prices.items())
            ],
            "address": {
                "province_id": AREA.province,
                "city_id": AREA.city,
                "county_id": AREA.county,
                "detail": RECIPIENT.address,
                "receiver": RECIPIENT.name,
                "mobile": RECIPIENT.mobile,
            },
        }
    )


def start_worker(url: str, work: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HIVE_DATABASE_URL": url,
        "HIVE_DATA_DIR": str(work / "worker"),
        "HIVE_SECRET_KEY": SECRET_KEY,
        "HIVE_LOG_LEVEL": "WARNING",
        "HIVE_LOG_FORMAT": "json",
        "HIVE_FEED_POLL_INTERVAL_S": "600",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "hive", "worker"], env=env, stderr=subprocess.DEVNULL
    )


async def wait_for_worker(database: Database) -> None:
    deadline = time.monotonic() + WORKER_START_S
    while time.monotonic() < deadline:
        async with database.platform_transaction() as session:
            if await session.scalar(text("SELECT count(*) FROM procrastinate_workers")):
                return
        await asyncio.sleep(0.2)
    raise SystemExit("the worker did not start")


async def accept_paced(
    database: Database, tenant_id: int, buyer: Actor, prices: dict[int, int], n: int, rate: float
) -> dict[int, float]:
    """Accept ``n`` orders at ``rate`` per second; when each committed (epoch seconds, by the
    system clock PostgreSQL shares on this machine), by order id."""
    committed: dict[int, float] = {}
    start = time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        async with database.platform_transaction() as session:
            accepted = await accept_order(
                session, buyer, tenant_id, order_request(i, prices), SECRETS
            )
        committed[accepted.order.id] = time.time()
    return committed


EVENT_TIMES = text(
    "SELECT o.id, extract(epoch FROM p.created_at), extract(epoch FROM c.created_at), "
    "extract(epoch FROM s.at) FROM orders o "
    "JOIN order_events p ON p.order_id = o.id AND p.event = 'placed' AND p.outcome = 'moved' "
    "JOIN order_events c ON c.order_id = o.id AND c.event = 'confirmed' AND c.outcome = 'moved' "
    "JOIN sub_orders so ON so.order_id = o.id "
    "JOIN procrastinate_jobs j ON j.task_name = 'hive.orders.submit_sub_order' "
    "AND j.args->>'sub_order_no' = so.sub_order_no "
    "JOIN procrastinate_events s ON s.job_id = j.id AND s.type = 'started'"
)


async def saga_latencies(database: Database, committed: dict[int, float]) -> dict[str, list[float]]:
    """Seconds from each order's commit to its job starting, to ``placed`` (the transaction
    recording the supplier's answer began) and to ``confirmed``, once every order is
    confirmed (or the deadline passes)."""
    deadline = time.monotonic() + 60 + len(committed)
    while True:
        async with database.platform_transaction() as session:
            rows = (await session.execute(EVENT_TIMES)).all()
        if len(rows) >= len(committed) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    if len(rows) < len(committed):
        raise SystemExit(f"only {len(rows)} of {len(committed)} orders confirmed in time")
    since = [(committed[int(r[0])], float(r[1]), float(r[2]), float(r[3])) for r in rows]
    return {
        "started": [s - c for c, _, _, s in since],
        "placed": [p - c for c, p, _, _ in since],
        "confirmed": [k - c for c, _, k, _ in since],
    }


async def direct_latencies(
    adapter: VopAdapter, skus: list[tuple[str, int, int]], n: int, rate: float
) -> list[float]:
    lines = tuple(OrderLine(sku, 1 + i, p) for i, (sku, p, _) in enumerate(skus))
    latencies = []
    start = time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        request = UpstreamOrderRequest(f"DIRECT-{i:06d}", lines, RECIPIENT)
        began = time.perf_counter()
        await adapter.submit_order(request)
        latencies.append(time.perf_counter() - began)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def describe(name: str, values: list[float]) -> str:
    return (
        f"  {name:<34} p50 {percentile(values, 50) * 1000:7.1f} ms   "
        f"p99 {percentile(values, 99) * 1000:7.1f} ms   "
        f"mean {statistics.fmean(values) * 1000:7.1f} ms"
    )


async def run(args: argparse.Namespace, url: str, sim_url: str, work: Path) -> None:
    settings = Settings(database_url=url, secret_key=SECRET_KEY)  # type: ignore[arg-type]
    database = Database(create_engine(url, settings, pooled=False))
    worker = None
    try:
        supplier_id = await register_vop(database, sim_url, "京东VOP", {"*": 10_000})
        async with supplier_http_client() as http:
            adapter = await vop_adapter(adapter_factory(database, settings, http), supplier_id)
            skus = await orderable_skus(adapter, 3)
            tenant_id, buyer, prices = await prepare(database, supplier_id, skus)
            worker = start_worker(url, work)
            await wait_for_worker(database)
            print(f"{args.orders} orders at {args.rate}/s; the worker is a separate process")
            committed = await accept_paced(
                database, tenant_id, buyer, prices, args.orders, args.rate
            )
            saga = await saga_latencies(database, committed)
            direct = await direct_latencies(adapter, skus, args.orders, args.rate)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        await database.dispose()
    print(describe("baseline: submitOrder alone", direct))
    print(describe("saga: committed -> job started", saga["started"]))
    print(describe("saga: committed -> placed upstream", saga["placed"]))
    print(describe("saga: committed -> confirmed", saga["confirmed"]))
    ratio = percentile(direct, 50) / percentile(saga["placed"], 50)
    print(f"ratio baseline p50 / saga p50 = {ratio:.3f}")
    finish("order_placement", "ratio_p50", f"{ratio:.3f}", f">= {GOAL}", ratio >= GOAL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ORDERS} orders")
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--rate", type=float, default=2.0, help="orders accepted per second")
    args = parser.parse_args()
    if args.quick:
        args.orders = QUICK_ORDERS
    print_conditions(f"{args.orders} orders at {args.rate}/s")
    with bench_environment() as env:
        asyncio.run(
            run(args, env.database_url, env.simulator_url, Path(env.simulator_state).parent.parent)
        )


if __name__ == "__main__":
    main()
