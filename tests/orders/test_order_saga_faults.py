"""Faults during the submission saga, against the VOP simulator over HTTP: nothing lost, no
double placement, the invariants hold afterwards.

* A ``hive worker`` process is killed (``kill -9``) after the simulator made the order but
  before the worker heard of it (the simulator holds the answer): a second worker retries the
  stalled job, which looks the order up by thirdOrder and adopts it — one submission only.
* Supplier timeouts (the call is processed, its answer held past our timeout) and 5001 storms:
  every sub-order ends placed and confirmed with one order upstream.
* The tenant cancels while the simulator is making the order (its answer held): the saga
  cancels the order upstream when the answer arrives — no orphan, nothing captured.

Every wait polls with a deadline; nothing sleeps for a result."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hive.orders.cancellation import cancel_order
from hive.orders.submission_tasks import ORDERS_QUEUE
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, run_worker
from hive.suppliers.runtime import supplier_runtime
from tests.orders.test_order_acceptance import Shop, buyer, shop, world
from tests.support.billing import summary
from tests.support.saga_vop import (
    DEADLINE_S,
    GatedSimulator,
    accept,
    invariants_hold,
    poll,
    scalar,
    sell_vop_skus,
    sub_orders,
    vop,
)
from tests.support.vop import SECRET_KEY, AdapterKit, adapter_settings, kit
from tests.support.workers import worker

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

__all__ = ["adapter_settings", "kit", "shop", "vop", "world"]


async def test_a_worker_killed_between_the_upstream_submit_and_the_commit_places_once(
    shop: Shop, vop: GatedSimulator, kit: AdapterKit, settings: Settings, tmp_path: Path
) -> None:
    database = shop.world.database
    await sell_vop_skus(shop, vop.simulator, kit)
    vop.gate.armed = True
    order = (await accept(shop, "PO-KILL-1")).order
    [(number, _, _, _)] = await sub_orders(database)
    log = tmp_path / "workers.log"

    with worker(settings, tmp_path / "w1", log) as first:
        await poll("the supplier to make the order", lambda: _now(vop.gate.holding.is_set()))
        assert vop.orders_by_third_order() == {number: 1}  # made upstream …
        assert (await sub_orders(database))[0][1:] == ("pending", None, 1)  # … not known here
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    vop.gate.opened.set()
    await poll(
        "the dead worker's heartbeat to age",
        lambda: scalar(
            database,
            "SELECT bool_and(last_heartbeat < now() - interval '4 seconds') "
            "FROM procrastinate_workers",
        ),
    )

    with worker(settings, tmp_path / "w2", log):
        confirmed = "SELECT status = 'confirmed' FROM sub_orders WHERE sub_order_no = :n"
        await poll("the sub-order to be confirmed", lambda: scalar(database, confirmed, n=number))

    [(_, status, upstream_id, attempts)] = await sub_orders(database)
    assert (status, attempts) == ("confirmed", 2)
    assert vop.gate.submits == {number: 1}  # the retry looked the order up, sent nothing
    assert vop.orders_by_third_order() == {number: 1}
    assert vop.order_status(number) == "confirmed"
    job_attempts = await scalar(
        database,
        "SELECT attempts FROM procrastinate_jobs WHERE task_name = 'hive.orders.submit_sub_order'",
    )
    assert job_attempts == 2
    assert upstream_id is not None
    assert await scalar(database, "SELECT status FROM orders WHERE id = :i", i=order.id) == (
        "confirmed"
    )
    await invariants_hold(database, kit)


async def _now(value: Any) -> Any:
    return value


@pytest.fixture
async def storm_runtime(
    database: Database, adapter_settings: Settings
) -> AsyncIterator[JobRuntime]:
    """An in-process worker's runtime whose supplier calls time out after 1 s."""
    settings = adapter_settings.model_copy(
        update={
            "supplier_timeout_s": 1.0,
            "supplier_breaker_failures": 50,
            "secret_key": SecretStr(SECRET_KEY),
        }
    )
    async with supplier_runtime(database, settings) as adapters:
        yield JobRuntime(settings.database_url, database, settings, adapters.for_supplier_id)


async def test_timeouts_and_5001_storms_place_every_sub_order_exactly_once(
    shop: Shop, vop: GatedSimulator, kit: AdapterKit, storm_runtime: JobRuntime
) -> None:
    database = shop.world.database
    await sell_vop_skus(shop, vop.simulator, kit)
    for n in range(6):
        await accept(shop, f"PO-STORM-{n}")
    vop.simulator.set_faults(timeout_rate=0.3, timeout_hold_s=2.0, error_5001_rate=0.3)
    runtime = storm_runtime

    async def settled() -> bool:
        # The worker stops when no job is due; retries wait their back-off in the queue.
        await run_worker(runtime, wait=False, queues=[ORDERS_QUEUE])
        return all(status == "confirmed" for _, status, _, _ in await sub_orders(database))

    await poll("every sub-order to be confirmed", settled)
    vop.simulator.set_faults(timeout_rate=0.0, error_5001_rate=0.0)
    subs = await sub_orders(database)
    numbers = {number for number, _, _, _ in subs}
    assert len(subs) == 6
    assert vop.orders_by_third_order() == dict.fromkeys(numbers, 1)
    assert set(vop.gate.submits) == numbers
    assert any(attempts > 1 for *_, attempts in subs) or sum(vop.gate.submits.values()) > 6
    await invariants_hold(database, kit)


@pytest.fixture
async def patient_runtime(
    database: Database, adapter_settings: Settings
) -> AsyncIterator[JobRuntime]:
    """An in-process worker's runtime that waits for a held answer instead of timing out."""
    settings = adapter_settings.model_copy(update={"secret_key": SecretStr(SECRET_KEY)})
    async with supplier_runtime(database, settings) as adapters:
        yield JobRuntime(settings.database_url, database, settings, adapters.for_supplier_id)


async def test_a_cancel_while_the_supplier_makes_the_order_cancels_it_there(
    shop: Shop, vop: GatedSimulator, kit: AdapterKit, patient_runtime: JobRuntime
) -> None:
    database = shop.world.database
    await sell_vop_skus(shop, vop.simulator, kit)
    vop.gate.armed = True
    order = (await accept(shop, "PO-RACE-1")).order
    [(number, _, _, _)] = await sub_orders(database)
    running = asyncio.create_task(run_worker(patient_runtime, wait=False, queues=[ORDERS_QUEUE]))
    await poll("the supplier to make the order", lambda: _now(vop.gate.holding.is_set()))
    async with database.platform_transaction() as session:
        done = await cancel_order(session, buyer(shop.tenant), shop.tenant, order.order_no)
    assert done.cancelled == [number]  # nothing known upstream yet: cancelled here at once
    vop.gate.opened.set()
    await asyncio.wait_for(running, DEADLINE_S)

    [(_, status, upstream_id, _)] = await sub_orders(database)
    assert (status, upstream_id is not None) == ("cancelled", True)
    assert vop.order_status(number) == "cancelled"  # no orphan order upstream
    assert vop.gate.submits == {number: 1}
    assert (await summary(database, shop.tenant)).frozen_fen == 0
    captured = "SELECT count(*) FROM ledger_postings WHERE account = 'platform.revenue'"
    assert await scalar(database, captured) == 0
    await invariants_hold(database, kit)
