"""kill -9 a worker in the middle of a rule run: a new worker finishes the run, exactly once.

Real processes: ``hive worker`` subprocesses on the test's database, the VOP simulator over
HTTP. The simulator holds the second chunk's reads, so the kill always lands mid-run after the
first chunk committed, however loaded the machine; every wait polls with a deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hive.catalog.selection import rules
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.catalog.selection.service import SNAPSHOT_BATCH
from hive.catalog.selection.tasks import defer_rule_run
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig
from hive.suppliers.types import Area
from tests.support.factories import ADMIN
from tests.support.servers import running_server
from tests.support.vop import SECRET_KEY, AdapterKit, Simulator, register_vop

DEADLINE_S = 240.0
CONDITIONS = RuleConditions(keywords=["手机"], max_products=150)  # two chunks of 100 and 50
AREAS = [Area(1, 72, 2799, 0)]


class DetailGate:
    """The simulator's ASGI app, except that the second ``product/getDetail`` of one SKU (the
    first comes from the rule's preview, the second from the selection of its chunk) waits
    until the gate opens."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sku = b""
        self.seen = 0
        self.holding = threading.Event()
        self.opened = threading.Event()

    def arm(self, sku: str) -> None:
        self.sku, self.seen = sku.encode(), 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.sku or "getDetail" not in scope["path"]:
            await self.app(scope, receive, send)
            return
        messages = [await receive()]
        while messages[-1].get("more_body"):
            messages.append(await receive())
        if self.sku in b"".join(m.get("body", b"") for m in messages) + scope["query_string"]:
            self.seen += 1
            if self.seen >= 2:
                self.holding.set()
                await asyncio.to_thread(self.opened.wait)
        replay = iter(messages)

        async def replayed() -> Any:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)


@pytest.fixture
def gated_simulator(tmp_path: Path) -> Iterator[tuple[Simulator, DetailGate]]:
    config = SimulatorConfig(data_dir=tmp_path / "vop", manual_clock=True)
    gate = DetailGate(create_app(config))
    try:
        with running_server(gate) as url:
            yield Simulator(url, config), gate
    finally:
        gate.opened.set()


async def poll(what: str, check: Callable[[], Awaitable[Any]]) -> Any:
    deadline = asyncio.get_running_loop().time() + DEADLINE_S
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@contextmanager
def worker(settings: Settings, data_dir: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        # A held read must outlast the wait for the kill, not time out into a job retry.
        "HIVE_SUPPLIER_TIMEOUT_S": "120",
        **os.environ,
        "HIVE_DATABASE_URL": settings.database_url,
        "HIVE_DATA_DIR": str(data_dir),
        "HIVE_SECRET_KEY": SECRET_KEY,  # decrypts the supplier credentials the test stored
        "HIVE_LOG_FORMAT": "json",
        "HIVE_WORKER_HEARTBEAT_INTERVAL_S": "1",
        "HIVE_WORKER_STALLED_AFTER_S": "3",
        "HIVE_FEED_POLL_INTERVAL_S": "60",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hive", "worker"], env=env, stdout=out, stderr=out
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _async(value: Any) -> Any:
    return value


async def scalar(database: Database, statement: str, **params: Any) -> Any:
    async with database.platform_transaction() as session:
        return await session.scalar(text(statement), params)


async def rows(database: Database, statement: str, **params: Any) -> list[Any]:
    async with database.platform_transaction() as session:
        return list((await session.execute(text(statement), params)).all())


async def test_a_rule_run_whose_worker_was_killed_completes_exactly_once(
    database: Database,
    settings: Settings,
    gated_simulator: tuple[Simulator, DetailGate],
    kit: AdapterKit,
    tmp_path: Path,
) -> None:
    simulator, gate = gated_simulator
    supplier_id = await register_vop(database, simulator)
    async with database.platform_transaction() as session:
        data = RuleCreate(name="夜间手机", supplier_id=supplier_id, conditions=CONDITIONS)
        rule_id = (await rules.create_rule(session, ADMIN, data)).id
    adapter = await kit.adapter(supplier_id)
    preview = await rules.preview_rule(database, adapter, rule_id, stock_areas=AREAS)
    planned = len(preview.would_add)
    assert planned > SNAPSHOT_BATCH  # the run has a second chunk to be killed in
    gate.arm(preview.would_add[SNAPSHOT_BATCH].sku)  # the second chunk's first SKU
    async with database.platform_transaction() as session:
        job_id = await defer_rule_run(session, rule_id)
    log = tmp_path / "workers.log"

    with worker(settings, tmp_path / "w1", log) as first:
        await poll("the second chunk to be read", lambda: _async(gate.holding.is_set()))
        run = await rows(
            database,
            "SELECT r.status, jsonb_array_length(r.plan->'add'), "
            "(SELECT count(*) FROM selection_records s WHERE s.rule_run_id = r.id), j.status::text "
            "FROM rule_runs r JOIN procrastinate_jobs j ON j.id = r.job_id WHERE r.job_id = :j",
            j=job_id,
        )
        assert run == [("running", planned, SNAPSHOT_BATCH, "doing")]  # half-way
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    gate.opened.set()
    # The dead worker's heartbeat must be old enough for the next worker to call it stalled.
    await poll(
        "the dead worker's heartbeat to age",
        lambda: scalar(
            database,
            "SELECT bool_and(last_heartbeat < now() - interval '4 seconds') "
            "FROM procrastinate_workers",
        ),
    )

    with worker(settings, tmp_path / "w2", log):
        done = "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE id = :j"
        await poll("the job to succeed", lambda: scalar(database, done, j=job_id))

    runs = await rows(
        database,
        "SELECT status, added, restored, removed FROM rule_runs WHERE rule_id = :r",
        r=rule_id,
    )
    assert runs == [("finished", planned, 0, 0)]
    assert (
        await rows(
            database,
            "SELECT supplier_sku FROM selection_records WHERE rule_id = :r "
            "GROUP BY supplier_sku HAVING count(*) > 1",
            r=rule_id,
        )
        == []
    )  # no SKU recorded twice
    assert (
        await scalar(
            database, "SELECT count(*) FROM selection_records WHERE rule_id = :r", r=rule_id
        )
        == planned
    )
    assert (
        await scalar(
            database, "SELECT count(*) FROM products WHERE supplier_id = :s", s=supplier_id
        )
        == planned
    )
    assert (
        await scalar(database, "SELECT count(*) FROM audit_log WHERE action = 'pool.select'") == 2
    )  # one per chunk: the first before the kill, the second after
    attempts = await scalar(
        database, "SELECT attempts FROM procrastinate_jobs WHERE id = :j", j=job_id
    )
    assert attempts == 2  # the killed attempt, retried once, and the one that finished
