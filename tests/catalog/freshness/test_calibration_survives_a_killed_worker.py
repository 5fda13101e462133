"""kill -9 the worker in the middle of a pool calibration: a new worker calibrates only the
products no batch had finished, the progress row's ``done`` never goes back, its counts add up
over the whole run, and the pool ends as calibrated as after a run nobody interrupted.

Real processes: ``hive worker`` subprocesses on the test's database, the VOP simulator over
HTTP. The pool holds three batches of 100; the simulator holds the price read of the *second*
batch, so the first and third (concurrent batches) commit and the kill lands with a gap in the
finished products, however loaded the machine."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from hive.catalog.freshness import tasks as freshness
from hive.catalog.freshness.refresh import BATCH
from hive.catalog.selection import service as selection
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime
from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig
from tests.catalog.freshness.conftest import AREAS
from tests.support.factories import ADMIN
from tests.support.progress_log import log_progress
from tests.support.servers import running_server
from tests.support.vop import AdapterKit, Simulator, register_vop
from tests.support.workers import (
    RequestGate,
    dead_workers_stalled,
    is_set,
    poll,
    progress_of,
    rows,
    scalar,
    worker,
)

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

POOLED = 3 * BATCH
STALE_PER_BATCH = 3
PRICES = "price/getSellPrice"
TWO_DONE = "SELECT done = :n FROM job_progress WHERE id = :p"


class Gate:
    """The gated simulator and the SKU whose price read it holds once armed."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.held_sku = ""
        self.gate = RequestGate(create_app(config), self.holds)

    def holds(self, path: str, body: bytes) -> bool:
        return bool(self.held_sku) and self.held_sku in asked_skus(path, body)

    def asked_since(self, start: int) -> Counter[str]:
        """How often each SKU's price was asked for in the requests from ``start`` on."""
        return Counter(
            sku for path, body in self.gate.seen[start:] for sku in asked_skus(path, body)
        )


def asked_skus(path: str, body: bytes) -> list[str]:
    if not path.endswith(PRICES):
        return []
    [skus] = parse_qs(body.decode()).get("sku", [""])
    return skus.split(",") if skus else []


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[tuple[Simulator, Gate]]:
    config = SimulatorConfig(data_dir=tmp_path / "vop", manual_clock=True)
    gate = Gate(config)
    try:
        with running_server(gate.gate) as url:
            yield Simulator(url, config), gate
    finally:
        gate.gate.opened.set()


async def _pool(database: Database, kit: AdapterKit, supplier_id: int) -> list[tuple[int, str]]:
    """Exactly ``POOLED`` pool products (id, SKU) in id order, a few of each batch stale."""
    adapter = await kit.adapter(supplier_id)
    page = (await adapter.pool_pages())[0]
    skus, _ = await adapter.pool_page_skus(page, 1)
    added = (
        await selection.select_skus(
            database, adapter, ADMIN, skus[: POOLED + 60], stock_areas=AREAS
        )
    ).added
    assert len(added) >= POOLED
    products = await rows(database, "SELECT id, supplier_sku FROM products ORDER BY id")
    kept = [(int(i), str(sku)) for i, sku in products[:POOLED]]
    await rows(database, "DELETE FROM products WHERE id > :last RETURNING id", last=kept[-1][0])
    stale = [sku for start in range(0, POOLED, BATCH) for _, sku in kept[start:][:STALE_PER_BATCH]]
    await rows(
        database,
        "UPDATE products SET purchase_price_fen = 1, retail_price_fen = 2 "
        "WHERE supplier_sku = ANY(:skus) RETURNING id",
        skus=stale,
    )
    return kept


async def test_a_calibration_whose_worker_was_killed_goes_on_without_redoing_a_batch(
    database: Database,
    settings: Settings,
    gated: tuple[Simulator, Gate],
    kit: AdapterKit,
    tmp_path: Path,
) -> None:
    simulator, gate = gated
    supplier_id = await register_vop(database, simulator)
    products = await _pool(database, kit, supplier_id)
    batches = [[sku for _, sku in products[s : s + BATCH]] for s in range(0, POOLED, BATCH)]
    async with database.platform_transaction() as session:
        row = await freshness.start_calibration(session, ADMIN)
        progress_id, job_id = row.id, row.job_id
    log_progress(settings)
    gate.held_sku = batches[1][0]  # armed: the second batch's price read waits
    start = len(gate.gate.seen)
    log = tmp_path / "workers.log"

    with worker(settings, tmp_path / "w1", log) as first:
        await poll("the second batch to be held", lambda: is_set(gate.gate.holding))
        # The first and third batches committed with their progress; the second waits.
        await poll(
            "the other batches to commit",
            lambda: scalar(database, TWO_DONE, p=progress_id, n=2 * BATCH),
        )
        assert await progress_of(database, progress_id) == ("running", 2 * BATCH, POOLED, "doing")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    killed_at = len(gate.gate.seen)
    gate.gate.opened.set()
    await poll("the dead worker's heartbeat to age", lambda: dead_workers_stalled(database))

    with worker(settings, tmp_path / "w2", log):
        succeeded = "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE id = :j"
        await poll(
            "the job to be resumed and succeed",
            lambda: scalar(database, succeeded, j=job_id),
        )

    # The killed attempt read every batch once; the resumed one only the batch it had held.
    assert gate.asked_since(start) - gate.asked_since(killed_at) == Counter(
        sku for batch in batches for sku in batch
    )
    assert gate.asked_since(killed_at) == Counter(batches[1])
    status, done, planned, counts = (
        await rows(
            database,
            "SELECT status, done, planned, counts FROM job_progress WHERE id = :p",
            p=progress_id,
        )
    )[0]
    stale = len(batches) * STALE_PER_BATCH
    assert (status, done, planned) == ("finished", POOLED, POOLED)
    assert counts == {"changed": stale, "kept": POOLED - stale}  # the whole run, each once
    seen = [n for (n,) in await rows(database, "SELECT done FROM progress_seen ORDER BY n")]
    assert seen == sorted(seen) and seen[-1] == POOLED  # the bar never went back
    attempts = await scalar(
        database, "SELECT attempts FROM procrastinate_jobs WHERE id = :j", j=job_id
    )
    assert attempts == 2

    # A run nobody interrupts now reads every product once and finds nothing left to fix.
    runtime = JobRuntime(
        kit.settings.database_url, database, kit.settings, kit.factory().for_supplier_id
    )
    before = len(gate.gate.seen)
    changes = "SELECT count(*) FROM product_changes WHERE source = 'calibration'"
    fixed = await scalar(database, changes)
    assert await freshness.calibrate_all(runtime) == POOLED
    assert gate.asked_since(before) == Counter(sku for _, sku in products)
    assert await scalar(database, changes) == fixed
