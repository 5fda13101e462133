"""kill -9 the worker in the middle of "本次搜索全部入池": a new worker finishes the action from
the page it had reached, every hit of the search in the pool once, its progress adding up.

Real processes: ``hive worker`` subprocesses on the test's database, the VOP simulator over
HTTP. The simulator holds the search of the second page, so the kill always lands after the
first page committed and advanced, however loaded the machine."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from hive.catalog.selection import bulk
from hive.catalog.selection.forms import read_search_form, search_query
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig
from tests.support.factories import ADMIN
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

SEARCH = {"keyword": "保温杯", "sort": "sales_desc"}
CAP = 200  # two pages of 100 hits: the worker is killed between them
SECOND_PAGE = re.compile(rb"(^|&)pageIndex=2(&|$)")


def second_page_search(path: str, body: bytes) -> bool:
    return path.endswith("search/search") and SECOND_PAGE.search(body) is not None


@pytest.fixture
def gated_simulator(tmp_path: Path) -> Iterator[tuple[Simulator, RequestGate]]:
    config = SimulatorConfig(data_dir=tmp_path / "vop", manual_clock=True)
    gate = RequestGate(create_app(config), second_page_search)
    try:
        with running_server(gate) as url:
            yield Simulator(url, config), gate
    finally:
        gate.opened.set()


async def test_select_all_whose_worker_was_killed_selects_every_hit_once(
    database: Database,
    settings: Settings,
    gated_simulator: tuple[Simulator, RequestGate],
    kit: AdapterKit,
    tmp_path: Path,
) -> None:
    simulator, gate = gated_simulator
    supplier_id = await register_vop(database, simulator)
    async with database.platform_transaction() as session:
        row = await bulk.start_bulk_select(
            session, ADMIN, supplier_id, SEARCH, hits=10_000, cap=CAP
        )
        progress_id, job_id = row.id, row.job_id
    log = tmp_path / "workers.log"

    with worker(settings, tmp_path / "w1", log) as first:
        await poll("the second page to be asked for", lambda: is_set(gate.holding))
        # Some but not all done: the first page committed and advanced, the job is running.
        assert await progress_of(database, progress_id) == ("running", 100, CAP, "doing")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    gate.opened.set()
    await poll("the dead worker's heartbeat to age", lambda: dead_workers_stalled(database))

    with worker(settings, tmp_path / "w2", log):
        succeeded = "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE id = :j"
        await poll(
            "the job to be resumed and succeed",
            lambda: scalar(database, succeeded, j=job_id),
        )

    hits: list[str] = []  # what the action read, read again now the gate is open
    for page in (1, 2):
        form = read_search_form({**SEARCH, "supplier_id": str(supplier_id), "page": str(page)})
        found = await (await kit.adapter(supplier_id)).search(
            search_query(form, page_size=bulk.PAGE_SIZE)
        )
        hits += [hit.sku for hit in found.hits]
    expected = set(hits[:CAP])
    assert found.total > CAP and len(expected) == CAP
    status, done, planned, counts, reasons = (
        await rows(
            database,
            "SELECT status, done, planned, counts, reasons FROM job_progress WHERE id = :p",
            p=progress_id,
        )
    )[0]
    assert (status, done, planned) == ("finished", CAP, CAP)
    handled = counts["added"] + counts["restored"] + counts["unchanged"] + counts["failed"]
    assert handled == CAP  # every hit counted once, over both workers
    assert counts["skipped"] == found.total - CAP and reasons["over_cap"] == counts["skipped"]
    assert sum(reasons.values()) == counts["failed"] + counts["skipped"]
    records = await rows(
        database,
        "SELECT supplier_sku, count(*), bool_and(outcome = 'added') FROM selection_records "
        "WHERE progress_id = :p GROUP BY supplier_sku",
        p=progress_id,
    )
    assert {sku for sku, _, _ in records} == expected  # no hit lost
    assert {n for _, n, _ in records} == {1}  # none recorded twice
    pooled = await rows(
        database,
        "SELECT supplier_sku, count(*) FROM products WHERE supplier_id = :s GROUP BY supplier_sku",
        s=supplier_id,
    )
    assert {sku for sku, _ in pooled} == {sku for sku, _, added in records if added}
    assert {n for _, n in pooled} == {1}
    assert len(pooled) == counts["added"]  # a fresh pool: what was added, nothing else
    attempts = await scalar(
        database, "SELECT attempts FROM procrastinate_jobs WHERE id = :j", j=job_id
    )
    assert attempts == 2  # the killed attempt, retried once after the stall, and the last
