"""kill -9 a worker in the middle of a rule run: a new worker finishes the run, exactly once.

Real processes: ``hive worker`` subprocesses on the test's database, the VOP simulator over
HTTP. The simulator holds the second chunk's reads, so the kill always lands mid-run after the
first chunk committed, however loaded the machine; every wait polls with a deadline."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
from tests.support.vop import AdapterKit, Simulator, register_vop
from tests.support.workers import (
    RequestGate,
    dead_workers_stalled,
    is_set,
    poll,
    rows,
    scalar,
    worker,
)

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

CONDITIONS = RuleConditions(keywords=["手机"], max_products=150)  # two chunks of 100 and 50
AREAS = [Area(1, 72, 2799, 0)]


def second_detail_read(sku: str) -> Callable[[str, bytes], bool]:
    """The second ``product/getDetail`` of ``sku``: the first comes from the rule's preview,
    the second from the selection of its chunk."""
    seen = 0

    def held(path: str, body: bytes) -> bool:
        nonlocal seen
        if "getDetail" in path and sku.encode() in body:
            seen += 1
        return seen >= 2

    return held


@pytest.fixture
def gated_simulator(tmp_path: Path) -> Iterator[tuple[Simulator, RequestGate]]:
    config = SimulatorConfig(data_dir=tmp_path / "vop", manual_clock=True)
    gate = RequestGate(create_app(config), lambda path, body: False)  # armed by the test
    try:
        with running_server(gate) as url:
            yield Simulator(url, config), gate
    finally:
        gate.opened.set()


async def test_a_rule_run_whose_worker_was_killed_completes_exactly_once(
    database: Database,
    settings: Settings,
    gated_simulator: tuple[Simulator, RequestGate],
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
    # The run has a second chunk to be killed in (if not, say why the preview refused).
    assert planned > SNAPSHOT_BATCH, Counter(preview.refused.values())
    gate.held = second_detail_read(preview.would_add[SNAPSHOT_BATCH].sku)  # 2nd chunk's 1st
    async with database.platform_transaction() as session:
        job_id = await defer_rule_run(session, rule_id)
    log = tmp_path / "workers.log"

    with worker(settings, tmp_path / "w1", log) as first:
        await poll("the second chunk to be read", lambda: is_set(gate.holding))
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
    await poll("the dead worker's heartbeat to age", lambda: dead_workers_stalled(database))

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
