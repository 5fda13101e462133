"""Benchmark: end-to-end order acceptance over the Open API, beside its own SQL replayed.

It starts its own embedded PostgreSQL under ``<repo>/.hive/bench-<random>``, migrates it, and
adds a tenant with an app (rate limit never reached), a self-run warehouse supplier with
``PRODUCTS`` products on stock in the tenant's library, and a balance that never runs out.
Then, in the same run:

* **Hive**: one gateway process (uvicorn + uvloop, HAG as ``hive hag`` builds it) takes signed
  ``POST /open/v1/orders`` from 8 concurrent clients, each order 1–3 lines: signature, nonce
  and rate limit, the suppliers asked (the warehouse's stock, area and freight), then one
  transaction writing the order, sub-order, items, freeze, timeline, tenant event and the
  deferred submission job. Only 201 counts.
* **Baseline**: every SQL statement one such request ran (captured from a request served in
  this process: SQLAlchemy's statements with their parameters, transaction ends, the
  statements sent straight on the driver's connection (``hive.platform.driver.send``), those
  queued on its pipelines (``hive.platform.driver.queue``: each transaction's role and tenant
  setting, the admission's own transaction with its nonce and rate-limit statement) and
  procrastinate's job insert) replayed by 8 psycopg connections in a loop — new order numbers,
  sub-order numbers and nonces each time, and the new order's and sub-order's ids carried into
  the statements after their INSERT — so the database does the same work without the Python
  around it.

RESULT: Hive's orders/s ÷ the baseline's; goal >= 0.4.

    .venv/bin/python bench/order_accept_bench.py [--quick] [--orders 1200] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from harness import (
    ADMIN,
    GATEWAY_START_S,
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
from sqlalchemy import event, text

from hive.catalog.library import service as library
from hive.openapi.client import json_body
from hive.platform import driver
from hive.platform.actor import Actor
from hive.platform.config import Settings, libpq_url
from hive.platform.db import Database, create_engine
from hive.platform.jobs import job_app
from hive.suppliers.models import Supplier
from hive.suppliers.warehouse import service as warehouse
from hive.suppliers.warehouse.service import BatchReceipt, ProductInput

GOAL = 0.4
PRODUCTS = 200
ORDERS = 1_200
QUICK_ORDERS = 300
CLIENTS = 8
PROVINCE = 2
SECRET_KEY = "order-bench-secret-key-0123456789abcdef"  # noqa: S105 - a throw-away database
SERVER = """
import sys
sys.path.insert(0, {bench!r})
import uvicorn
from harness import configure_gateway_logging
from hive.apps.hag import create_hag_app
from hive.platform.config import Settings
configure_gateway_logging()
settings = Settings()
uvicorn.run(create_hag_app(settings, settings.database_url), host="127.0.0.1", port={port},
            loop="uvloop", log_config=None, access_log=False)
"""
ADDRESS = {
    "province_id": PROVINCE,
    "city_id": 2813,
    "county_id": 51976,
    "detail": "人民路 1 号",
    "receiver": "张三",
    "mobile": "13812345678",
}


@dataclass
class World:
    tenant_id: int
    app_key: str
    app_secret: str
    prices: dict[int, int]  # product id -> the tenant's price (fen)


def env_for(url: str, work: Path) -> dict[str, str]:
    return gateway_env(url, work, SECRET_KEY)


# --- the world ----------------------------------------------------------------------------


async def prepare(url: str, products: int) -> World:
    database = Database(create_engine(url, Settings(database_url=url), pooled=False))
    try:
        async with database.platform_transaction() as session:
            app = await create_tenant_app(session, SECRET_KEY)
            supplier = Supplier(name="自营仓", kind="warehouse")
            session.add(supplier)
            await session.flush()
            await warehouse.create_warehouse(
                session, ADMIN, supplier.id, code="SH", name="上海仓", province_ids=[PROVINCE]
            )
            expires = datetime.now(UTC).date() + timedelta(days=365)
            for n in range(1, products + 1):
                sku = f"B{n}"
                item = ProductInput(sku, f"商品 {n}", "品牌", 1, 1_000 + n, 4_000 + n)
                await warehouse.create_product(session, ADMIN, supplier.id, item)
                receipt = BatchReceipt("SH", sku, f"L{n}", 1_000_000, 1_000 + n, expires)
                await warehouse.receive_batch(
                    session, ADMIN, supplier.id, receipt, datetime.now(UTC)
                )
            prices = await _catalogue(session, supplier.id, app.grade_id, app.tenant_id)
            await create_default_pool(session, app.grade_id)
        buyer = Actor(user_id=None, username="buyer", role="tenant_user", tenant_id=app.tenant_id)
        ids = sorted(prices)
        for start in range(0, len(ids), 100):
            async with database.tenant_transaction(app.tenant_id) as session:
                await library.add_products(session, buyer, ids[start : start + 100])
        await _fund(database, app.tenant_id)
        async with database.platform_transaction() as session:
            await session.execute(text("ANALYZE"))
        return World(app.tenant_id, app.app_key, app.app_secret, prices)
    finally:
        await database.dispose()


async def _catalogue(
    session: Any, supplier_id: int, grade_id: int, tenant_id: int
) -> dict[int, int]:
    rows = await session.execute(
        text(
            "INSERT INTO products (supplier_id, supplier_sku, name, brand, image_url, images, "
            "attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, in_supplier_pool, "
            "stock, status) SELECT :s, sku, name, '品牌', '', '[]', '{}', unit_price_fen, "
            "retail_fen, 0, true, true, "
            "jsonb_build_object(CAST(:p AS text), jsonb_build_object('state', 'in_stock', "
            "'remaining', CAST(:n AS integer))), "
            "'active' FROM warehouse_products WHERE supplier_id = :s RETURNING id, retail_price_fen"
        ),
        {"s": supplier_id, "p": str(PROVINCE), "n": 1_000_000},
    )
    prices = {int(pid): int(retail) // 2 for pid, retail in rows}
    for product_id, price in prices.items():
        await session.execute(
            text(
                "INSERT INTO product_prices (product_id, grade_id, price_fen, floor_fen, "
                "floor_hit, ceiling_hit, below_cost, no_fit) "
                "VALUES (:p, :g, :price, :price, false, false, false, false)"
            ),
            {"p": product_id, "g": grade_id, "price": price},
        )
    return prices


async def _fund(database: Database, tenant_id: int) -> None:
    from hive.billing import service as billing
    from hive.billing.schemas import TopUp

    finance = Actor(user_id=None, username="bench-finance", role="finance")
    async with database.platform_transaction() as session:
        await billing.top_up(
            session, finance, TopUp(tenant_id=tenant_id, amount_fen=10**13, note="压测充值")
        )


def order_body(world: World, order_no: str, rng: random.Random) -> bytes:
    chosen = rng.sample(sorted(world.prices), rng.randint(1, 3))
    items = [
        {"product_id": pid, "quantity": rng.randint(1, 3), "unit_price": world.prices[pid]}
        for pid in chosen
    ]
    return json_body({"order_no": order_no, "items": items, "address": ADDRESS})


# --- Hive over HTTP -----------------------------------------------------------------------


def signer(world: World) -> BenchApp:
    return BenchApp(0, world.tenant_id, world.app_key, world.app_secret)


async def post_order(client: httpx.AsyncClient, world: World, body: bytes) -> httpx.Response:
    return await signer(world).post(client, "/open/v1/orders", body)


async def drive_hive(base: str, world: World, count: int, clients: int, tag: str) -> float:
    rng = random.Random(7)
    numbers = iter(range(count))
    async with httpx.AsyncClient(
        base_url=base, limits=client_limits(clients), timeout=60
    ) as client:

        async def worker() -> None:
            for n in numbers:
                answer = await post_order(client, world, order_body(world, f"{tag}-{n}", rng))
                if answer.status_code != 201:
                    raise SystemExit(f"unexpected {answer.status_code}: {answer.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return count / (time.perf_counter() - started)


# --- capturing one request's SQL ----------------------------------------------------------


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve ``app`` in a thread of this process (so its engine can be listened to)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + GATEWAY_START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("the in-process gateway did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


COMMIT = "-- commit"
ROLLBACK = "-- rollback"


@dataclass
class Statement:
    sql: str
    params: Any  # a mapping, a sequence, or a list of them (executemany)
    many: bool = False
    procrastinate: dict[str, Any] | None = None  # a job insert, through procrastinate


@dataclass
class Capture:
    statements: list[Statement] = field(default_factory=list)
    recording: bool = False


def capture_request(
    url: str, work: Path, world: World
) -> tuple[list[Statement], str, dict[str, int]]:
    """Serve HAG in this process, send two orders (the second is recorded: caches warm), and
    return its statements, its order number and the ids its INSERTs returned."""
    for name, value in env_for(url, work).items():
        os.environ[name] = value
    os.environ["HIVE_LOG_LEVEL"] = "ERROR"  # the in-process server's request lines
    from hive.apps.hag import create_hag_app

    settings = Settings()
    app = create_hag_app(settings, settings.database_url)
    capture = Capture()
    connector = job_app.job_manager.connector
    original = connector.execute_query_all_async_with_connection

    async def recording_defer(connection: Any, query: str, **arguments: Any) -> Any:
        if capture.recording:
            capture.statements.append(
                Statement("", None, procrastinate={"query": query, **arguments})
            )
        return await original(connection, query, **arguments)

    connector.execute_query_all_async_with_connection = recording_defer  # type: ignore[method-assign]
    sent_on_driver = driver.send

    async def recording_send(raw: Any, sql: str, params: Any) -> Any:
        if capture.recording:
            capture.statements.append(Statement(sql, dict(params)))
        return await sent_on_driver(raw, sql, params)

    driver.send = recording_send  # type: ignore[assignment]
    queued_on_driver = driver.queue

    async def recording_queue(raw: Any, sql: str, params: Any = None) -> Any:
        if capture.recording:
            if sql == "BEGIN":
                pass  # the baseline's psycopg connection begins at its next statement
            elif sql == "COMMIT":
                capture.statements.append(Statement(COMMIT, None))
            else:
                capture.statements.append(Statement(sql, None if params is None else dict(params)))
        return await queued_on_driver(raw, sql, params)

    driver.queue = recording_queue  # type: ignore[assignment]
    try:
        with running_server(app) as base:
            engine = app.state.database.engine.sync_engine
            _listen(engine, capture)
            rng = random.Random(1)
            with httpx.Client(base_url=base, timeout=60) as client:
                for n, record in ((0, False), (1, True)):
                    capture.recording = record
                    body = order_body(world, f"CAPTURE-{n}", rng)
                    headers = signer(world).headers("POST", "/open/v1/orders", body)
                    answer = client.post("/open/v1/orders", content=body, headers=headers)
                    if answer.status_code != 201:
                        raise SystemExit(f"capture: {answer.status_code} {answer.text[:300]}")
                    capture.recording = False
            order = answer.json()
    finally:
        connector.execute_query_all_async_with_connection = original  # type: ignore[method-assign]
        driver.send = sent_on_driver  # type: ignore[assignment]
        driver.queue = queued_on_driver  # type: ignore[assignment]
    ids = asyncio.run(_returned_ids(url, world.tenant_id, order["order_no"]))
    return capture.statements, order["order_no"], ids


def _listen(engine: Any, capture: Capture) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if capture.recording:
            capture.statements.append(Statement(statement, params, many))

    @event.listens_for(engine, "commit")
    def committed(conn: Any) -> None:
        if capture.recording:
            capture.statements.append(Statement(COMMIT, None))

    @event.listens_for(engine, "rollback")
    def rolled_back(conn: Any) -> None:
        if capture.recording:
            capture.statements.append(Statement(ROLLBACK, None))


async def _returned_ids(url: str, tenant_id: int, order_no: str) -> dict[str, int]:
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as conn:
        row = await (
            await conn.execute(
                "SELECT o.id, min(s.id) FROM orders o JOIN sub_orders s ON s.order_id = o.id "
                "WHERE o.tenant_id = %s AND o.order_no = %s GROUP BY o.id",
                (tenant_id, order_no),
            )
        ).fetchone()
    assert row is not None
    return {"order": int(row[0]), "sub_order": int(row[1])}


# --- the baseline: the same statements from psycopg ----------------------------------------

_SUB_ORDER_KEY = re.compile(r"(^|_)sub_order_id(_\d+|__\d+)?$")
_ORDER_KEY = re.compile(r"(^|_)(order_id|entity_id)(_\d+|__\d+)?$")
_ROW_KEY = re.compile(r"^id(_\d+)?$")


def _kind_of(key: str, sql: str) -> str | None:
    """Which new id a parameter carries: the order's or the sub-order's (by its name, or for a
    plain ``id`` by the table the statement changes), or none."""
    if _SUB_ORDER_KEY.search(key):
        return "sub_order"
    if _ORDER_KEY.search(key):
        return "order"
    if _ROW_KEY.match(key):
        head = sql.lstrip().upper()
        if head.startswith("UPDATE SUB_ORDERS "):
            return "sub_order"
        if head.startswith("UPDATE ORDERS "):
            return "order"
    return None


Mapped = dict[str, dict[int, int]]  # "order" / "sub_order": captured id -> this run's id


class Replay:
    """One request's statements, made new for each run: order and sub-order numbers, nonces
    and the ids the order's INSERTs return."""

    def __init__(self, statements: list[Statement], order_no: str, ids: dict[str, int]):
        self.statements = statements
        self.order_no = order_no
        self.sub_prefix = f"HV{ids['order']:010d}-"
        self.ids = ids
        self.nonces = self._nonces()

    def _nonces(self) -> set[str]:
        found = set()
        for statement in self.statements:
            if "nonce" in statement.sql.lower() and isinstance(statement.params, dict):
                found |= {
                    v for k, v in statement.params.items() if "nonce" in k and isinstance(v, str)
                }
        return found

    def _text(self, value: str, run: str) -> str:
        if value in self.nonces:
            return uuid.uuid4().hex
        return value.replace(self.order_no, f"R{run}").replace(self.sub_prefix, f"HR{run}-")

    def fresh(self, value: Any, key: str, run: str, mapped: Mapped, sql: str = "") -> Any:
        if isinstance(value, str):
            return self._text(value, run)
        if isinstance(value, int) and not isinstance(value, bool):
            kind = _kind_of(key, sql)
            return mapped[kind].get(value, value) if kind else value
        if isinstance(value, dict):
            return {k: self.fresh(v, k, run, mapped, sql) for k, v in value.items()}
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # procrastinate's rows
            return type(value)(
                *(
                    self.fresh(v, k, run, mapped, sql)
                    for k, v in zip(value._fields, value, strict=True)
                )
            )
        if isinstance(value, list | tuple):
            return type(value)(self.fresh(v, key, run, mapped, sql) for v in value)
        return value

    async def run_once(self, conn: psycopg.AsyncConnection[Any], run: str) -> None:
        mapped: Mapped = {"order": {}, "sub_order": {}}
        for statement in self.statements:
            if statement.sql == COMMIT:
                await conn.commit()
            elif statement.sql == ROLLBACK:
                await conn.rollback()
            elif statement.procrastinate is not None:
                arguments = dict(statement.procrastinate)
                query = arguments.pop("query")
                await job_app.job_manager.connector.execute_query_all_async_with_connection(
                    conn, query, **self.fresh(arguments, "", run, mapped)
                )
            else:
                await self._execute(conn, statement, run, mapped)
        await conn.commit()

    async def _execute(
        self,
        conn: psycopg.AsyncConnection[Any],
        statement: Statement,
        run: str,
        mapped: Mapped,
    ) -> None:
        async with conn.cursor() as cursor:
            if statement.many and not isinstance(statement.params, dict):
                rows = [self.fresh(p, "", run, mapped, statement.sql) for p in statement.params]
                await cursor.executemany(statement.sql, rows)
                return
            params = self.fresh(statement.params, "", run, mapped, statement.sql)
            await cursor.execute(statement.sql, params)
            head = statement.sql.lstrip().upper()
            if "RETURNING" in head and head.startswith(
                ("INSERT INTO ORDERS ", "INSERT INTO SUB_ORDERS ")
            ):
                new_id = (await cursor.fetchone())[0]  # type: ignore[index]
                kind = "order" if "INTO ORDERS " in head else "sub_order"
                mapped[kind][self.ids[kind]] = int(new_id)


async def drive_baseline(url: str, replay: Replay, count: int, clients: int, tag: str) -> float:
    numbers = iter(range(count))

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(libpq_url(url)) as conn:
            for n in numbers:
                await replay.run_once(conn, f"{tag}{n}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return count / (time.perf_counter() - started)


# --- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer orders")
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args()
    count = args.orders or (QUICK_ORDERS if args.quick else ORDERS)
    rounds = 2
    print_conditions(
        f"{'quick' if args.quick else 'full'}: {PRODUCTS} warehouse products, {count:,} orders "
        f"of 1-3 lines per side in {rounds} rounds, {args.clients} clients, 1 gateway"
    )
    gateway = None
    with scratch_database() as (url, work):
        try:
            world = asyncio.run(prepare(url, PRODUCTS))
            statements, order_no, ids = capture_request(url, work, world)
            replay = Replay(statements, order_no, ids)
            print(
                f"one request: {sum(1 for s in statements if s.sql not in (COMMIT, ROLLBACK))} "
                f"statements, {sum(1 for s in statements if s.sql == COMMIT)} commits"
            )
            gateway, base = start_gateway(SERVER, env_for(url, work), quiet_stdout=True)
            asyncio.run(drive_hive(base, world, 40, args.clients, "WARM"))
            asyncio.run(drive_baseline(url, replay, 40, args.clients, "W"))
            hive_rates, base_rates = [], []
            for r in range(rounds):
                per = count // rounds
                base_rates.append(
                    asyncio.run(drive_baseline(url, replay, per, args.clients, f"B{r}-"))
                )
                hive_rates.append(asyncio.run(drive_hive(base, world, per, args.clients, f"H{r}")))
        finally:
            stop_gateway(gateway)
    hive, baseline = statistics.mean(hive_rates), statistics.mean(base_rates)
    hive_rounds = [round(x, 1) for x in hive_rates]
    base_rounds = [round(x, 1) for x in base_rates]
    print(f"Hive (signed POST /open/v1/orders)  {hive:8.1f} orders/s, rounds {hive_rounds}")
    print(f"baseline (the same SQL, psycopg)     {baseline:8.1f} orders/s, rounds {base_rounds}")
    ratio = hive / baseline
    finish(
        "order_accept",
        "hive/baseline orders per second",
        f"{ratio:.3f}",
        f">= {GOAL}",
        ratio >= GOAL,
    )


if __name__ == "__main__":
    main()
