"""What each ``hive`` command does: serve one process, or supervise all of them (``hive up``)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from hive.demo import DEMO_LOGINS, seed_demo_data
from hive.platform.collector import tune_for_batches
from hive.platform.config import Settings
from hive.platform.database_server import DatabaseServer, open_database_server
from hive.platform.db import Database, create_engine
from hive.platform.errors import StartupError
from hive.platform.jobs import run_worker
from hive.platform.logging import configure_logging, get_logger
from hive.platform.migrations import ensure_not_newer_than_code, is_at_head, upgrade_to_head
from hive.platform.ports import ensure_port_free

if TYPE_CHECKING:
    from hive.suppliers.factory import AdapterFactory

log = get_logger("hive.launcher")

STARTUP_DEADLINE_S = 60.0
SHUTDOWN_GRACE_S = 10.0


def _database(settings: Settings, *, require_schema: bool = True) -> DatabaseServer:
    server = open_database_server(settings)
    ensure_not_newer_than_code(server.url)
    if require_schema and not is_at_head(server.url):
        raise StartupError("The database schema is not up to date: run `hive migrate` first.")
    return server


def _serve(app: object, settings: Settings, port: int, setting: str) -> None:
    ensure_port_free(settings.host, port, setting=setting)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=port,
        loop="uvloop",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def serve_hcm(settings: Settings) -> None:
    from hive.apps.hcm import create_hcm_app

    configure_logging(settings, process="hcm")
    server = _database(settings)
    _serve(create_hcm_app(settings, server.url), settings, settings.hcm_port, "HIVE_HCM_PORT")


def serve_hag(settings: Settings) -> None:
    from hive.apps.hag import create_hag_app

    configure_logging(settings, process="hag")
    server = _database(settings)
    _serve(create_hag_app(settings, server.url), settings, settings.hag_port, "HIVE_HAG_PORT")


def serve_vop_simulator(settings: Settings) -> None:
    from hive.simulators.vop.server import serve

    configure_logging(settings, process="vop-sim")
    ensure_port_free(settings.host, settings.vop_sim_port, setting="HIVE_VOP_SIM_PORT")
    serve(settings.host, settings.vop_sim_port, settings.data_dir.resolve())


def run_job_worker(settings: Settings) -> None:
    configure_logging(settings, process="worker")
    server = _database(settings)
    asyncio.run(_work(server.url, settings))


async def _work(url: str, settings: Settings) -> None:
    """Jobs and the supplier change feed, side by side, until SIGINT/SIGTERM."""
    from hive.suppliers.runtime import supplier_runtime

    database = Database(create_engine(url, settings))
    stop = asyncio.Event()
    try:
        async with supplier_runtime(database, settings) as adapters:
            _subscribe_pool_freshness(database, adapters, settings)
            tune_for_batches(settings.worker_gc_threshold)
            feeds = [
                asyncio.create_task(feed)
                for feed in await _feeds(database, adapters, settings, stop)
            ]
            try:
                await run_worker(url, settings)
            finally:
                stop.set()
                await asyncio.gather(*feeds)
    finally:
        await database.dispose()


def _subscribe_pool_freshness(
    database: Database, adapters: AdapterFactory, settings: Settings
) -> None:
    """Register the pool's change-feed handlers before the first poll (a message that finds
    no handler is acknowledged as ignored) and give the refresh jobs their adapters."""
    import hive.catalog.freshness  # noqa: F401  (subscribes the pool's feed handlers)
    from hive.catalog.tasks import FreshnessRuntime, use_runtime

    use_runtime(FreshnessRuntime(database, adapters.for_supplier_id, settings))


async def _feeds(
    database: Database, adapters: AdapterFactory, settings: Settings, stop: asyncio.Event
) -> list[Coroutine[Any, Any, None]]:
    """The polling consumer, plus a RabbitMQ consumer per VOP supplier when one is configured
    (those suppliers are then left out of polling)."""
    from hive.events.feed import run_feed_consumer
    from hive.events.push import PushConsumer
    from hive.suppliers import service as suppliers
    from hive.suppliers.vop.mapping import decode_push_message

    pushed: set[int] = set()
    feeds: list[Coroutine[Any, Any, None]] = []
    if settings.amqp_url:
        async with database.platform_transaction() as session:
            rows = await suppliers.list_suppliers(session)
        for supplier in rows:
            if supplier.enabled and supplier.kind == "vop":
                pushed.add(supplier.id)
                consumer = PushConsumer(
                    database,
                    supplier.id,
                    settings.amqp_url,
                    decode=decode_push_message,
                    exchange=settings.feed_amqp_exchange,
                    redelivery_delay_s=settings.feed_redelivery_delay_s,
                    max_attempts=settings.feed_max_attempts,
                    batch_size=settings.feed_batch_size,
                )
                feeds.append(consumer.run(stop))
    feeds.append(
        run_feed_consumer(
            database,
            adapters,
            stop_event=stop,
            poll_interval_s=settings.feed_poll_interval_s,
            max_attempts=settings.feed_max_attempts,
            polled=lambda s: s.id not in pushed,
            batch_size=settings.feed_batch_size,
            after_commit_concurrency=settings.feed_after_commit_concurrency,
        )
    )
    return feeds


def migrate_database(settings: Settings) -> None:
    configure_logging(settings, process="migrate")
    server = _database(settings, require_schema=False)
    upgrade_to_head(server.url)
    log.info("database schema is up to date")


def seed_database(settings: Settings) -> None:
    configure_logging(settings, process="seed")
    server = _database(settings)
    asyncio.run(_seed(server.url, settings))
    log.info("demo data loaded")


async def _seed(url: str, settings: Settings) -> None:
    database = Database(create_engine(url, settings, pooled=False))
    try:
        await seed_demo_data(database, settings)
    finally:
        await database.dispose()


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    health_url: str | None


def run_platform(settings: Settings, *, seed: bool) -> int:
    """``hive up``: database, migrations, demo data, then every process until Ctrl-C."""
    configure_logging(settings, process="up")
    for port, setting in _ports(settings):
        ensure_port_free(settings.host, port, setting=setting)
    server = _database(settings, require_schema=False)
    upgrade_to_head(server.url)
    if seed:
        asyncio.run(_seed(server.url, settings))
    children = _start_children(settings, server.url)
    try:
        _wait_until_healthy(children)
        _print_welcome(settings, server, seed=seed)
        return _supervise(children)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_children(children)


def _ports(settings: Settings) -> list[tuple[int, str]]:
    return [
        (settings.hcm_port, "HIVE_HCM_PORT"),
        (settings.hag_port, "HIVE_HAG_PORT"),
        (settings.vop_sim_port, "HIVE_VOP_SIM_PORT"),
    ]


def _start_children(settings: Settings, database_url: str) -> list[Child]:
    env = {**os.environ, "HIVE_DATABASE_URL": database_url}
    if settings.amqp_url:
        env.setdefault("HIVE_VOP_SIM_AMQP_URL", settings.amqp_url)
    base = f"http://{settings.host}"
    specs = [
        ("hcm", f"{base}:{settings.hcm_port}/healthz"),
        ("hag", f"{base}:{settings.hag_port}/healthz"),
        ("vop-sim", f"{base}:{settings.vop_sim_port}/healthz"),
        ("worker", None),
    ]
    return [
        Child(name, subprocess.Popen([sys.executable, "-m", "hive", name], env=env), url)  # noqa: S603
        for name, url in specs
    ]


def _wait_until_healthy(children: list[Child]) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    pending = [child for child in children if child.health_url]
    while pending:
        _raise_if_any_exited(children)
        if time.monotonic() > deadline:
            names = ", ".join(child.name for child in pending)
            raise StartupError(f"{names} did not become healthy within {STARTUP_DEADLINE_S:.0f} s.")
        pending = [child for child in pending if not _is_healthy(child.health_url or "")]
        time.sleep(0.2)


def _is_healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _raise_if_any_exited(children: list[Child]) -> None:
    for child in children:
        code = child.process.poll()
        if code is not None:
            raise StartupError(f"`hive {child.name}` exited with code {code}; see its log above.")


def _supervise(children: list[Child]) -> int:
    stop = {"requested": False}

    def request_stop(_signum: int, _frame: object) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    while not stop["requested"]:
        _raise_if_any_exited(children)
        time.sleep(0.5)
    return 0


def _stop_children(children: list[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + SHUTDOWN_GRACE_S
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _print_welcome(settings: Settings, server: DatabaseServer, *, seed: bool) -> None:
    base = f"http://{settings.host}"
    lines = [
        "",
        "Hive is running. Press Ctrl-C to stop.",
        f"  Console (HCM)     {base}:{settings.hcm_port}/",
        f"  Gateway (HAG)     {base}:{settings.hag_port}/",
        f"  VOP simulator     {base}:{settings.vop_sim_port}/",
        f"  Metrics           {base}:{settings.hcm_port}/metrics",
        "  Database          "
        + (f"embedded PostgreSQL in {settings.pgdata_dir}" if server.is_embedded else "external"),
    ]
    if seed:
        lines.append("  Demo logins:")
        lines += [
            f"    {login.username:<14} {login.password:<20} {login.role.value}"
            for login in DEMO_LOGINS
        ]
    print("\n".join(lines) + "\n", flush=True)
