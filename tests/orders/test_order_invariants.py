"""The order invariants find each kind of break (a freeze out of step with its sub-order, a
placed sub-order unknown upstream or under another id, a live upstream order of a sub-order
never placed or cancelled here), and ``hive orders check`` exits 1 on a break."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

from sqlalchemy import text

from hive.orders.invariants import check_invariants
from hive.orders.submission import AdapterFor, Placement, place_sub_order
from hive.suppliers.types import OrderLine
from tests.orders.test_order_acceptance import SECRETS, Shop, place, request, shop, world
from tests.support.saga import MemorySupplier

__all__ = ["shop", "world"]


async def _sql(shop: Shop, statement: str, **params: object) -> None:
    async with shop.world.database.platform_transaction() as session:
        await session.execute(text(statement), params)


async def _numbers(shop: Shop) -> list[str]:
    async with shop.world.database.platform_transaction() as session:
        rows = await session.execute(text("SELECT sub_order_no FROM sub_orders ORDER BY id"))
        return [str(r[0]) for r in rows]


async def test_every_kind_of_break_is_found(shop: Shop) -> None:
    supplier = MemorySupplier()
    adapter_for = cast(AdapterFor, supplier.adapter_for)
    await place(shop, request(shop))
    await place(shop, request(shop, "PO-1002"))
    first, second, third, fourth = await _numbers(shop)
    db = shop.world.database
    assert await place_sub_order(db, adapter_for, SECRETS, first) is Placement.PLACED
    assert await place_sub_order(db, adapter_for, SECRETS, second) is Placement.PLACED
    assert (await check_invariants(db, adapter_for)).holds

    # A placed sub-order the supplier does not know; another recorded under a wrong id; an
    # order upstream for a sub-order never attempted; a cancelled sub-order still frozen.
    del supplier.orders[first]
    await _sql(
        shop, "UPDATE sub_orders SET upstream_order_id = 'X1' WHERE sub_order_no = :n", n=second
    )
    supplier.plant(third, (OrderLine("1", 1, 1),))
    await _sql(shop, "UPDATE sub_orders SET status = 'cancelled' WHERE sub_order_no = :n", n=fourth)
    report = await check_invariants(db, adapter_for)
    assert not report.holds
    assert report.missing_upstream == [first]
    assert [row[:2] for row in report.wrong_upstream] == [(second, "X1")]
    assert [row[:2] for row in report.orphans] == [(third, "pending")]
    assert [row[:2] for row in report.freeze_mismatches] == [(fourth, "cancelled")]
    assert report.ledger.in_balance  # the books alone are still consistent


def _hive(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {"HIVE_DATABASE_URL": database_url, "HIVE_DATA_DIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "hive", "orders", "check", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def test_the_check_command_exits_1_naming_what_is_broken(
    shop: Shop, database_url: str, tmp_path: Path
) -> None:
    order = (await place(shop, request(shop))).order
    clean = await asyncio.to_thread(_hive, "--days", "0", database_url=database_url, cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout.splitlines()[-1])["holds"] is True

    await _sql(shop, "UPDATE sub_orders SET status = 'failed' WHERE order_id = :o", o=order.id)
    broken = await asyncio.to_thread(_hive, database_url=database_url, cwd=tmp_path)
    assert broken.returncode == 1, broken.stderr
    found = json.loads(broken.stdout.splitlines()[-1])
    assert found["holds"] is False
    assert len(found["freeze_mismatches"]) == 2
