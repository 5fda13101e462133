"""Order sync end to end against the VOP simulator (real HTTP, real adapter, real worker):
an order accepted, placed by the saga's job, then followed through the simulator's own
messages — split into children per warehouse, shipped with waybills, delivered, completed with
the freeze captured — and, with every message lost, repaired by reconciliation alone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from sqlalchemy import text

from hive.catalog.library import service as library
from hive.feed.handlers import HandlerRegistry
from hive.feed.polling import FeedConsumer
from hive.orders import messages, repository, service, sync_repository
from hive.orders.acceptance import accept_order
from hive.orders.invariants import check_invariants
from hive.orders.open_schemas import order_out
from hive.orders.reconciliation import reconcile
from hive.orders.status import OrderStatus
from hive.orders.sync_tasks import ORDERS_QUEUE
from hive.platform.config import Settings
from hive.platform.jobs import JobRuntime, run_worker
from hive.platform.secret_key import load_secret_box
from hive.suppliers.types import MessageType
from tests.orders.test_order_acceptance import Shop, buyer, request, shop, world
from tests.support.billing import ledger_report, summary
from tests.support.cli import hive_in_process
from tests.support.vop import (
    SECRET_KEY,
    AdapterKit,
    Simulator,
    fast_simulator,
    kit,
    register_vop,
)
from tests.support.vop_orders import orderable_skus

__all__ = ["fast_simulator", "kit", "shop", "world"]


@dataclass
class Chain:
    """An order of 2 phones and 3 chargers, both now SKUs of the simulator (two warehouses)."""

    shop: Shop
    simulator: Simulator
    runtime: JobRuntime
    consumer: FeedConsumer
    order_id: int = 0
    sub_order_no: str = ""

    async def sql(self, query: str, **params: Any) -> list[Any]:
        async with self.shop.world.database.platform_transaction() as session:
            return list((await session.execute(text(query), params)).all())

    async def feed(self) -> None:
        """Take in every message the simulator has emitted."""
        while (await self.consumer.poll_once()).outcomes:
            pass

    async def jobs(self) -> None:
        await run_worker(self.runtime, wait=False, queues=[ORDERS_QUEUE])

    async def subs(self) -> dict[str, str]:
        rows = await self.sql(
            "SELECT sub_order_no, status FROM sub_orders WHERE order_id = :o ORDER BY id",
            o=self.order_id,
        )
        return dict(rows)


@pytest.fixture
async def chain(
    shop: Shop, fast_simulator: Simulator, kit: AdapterKit, settings: Settings
) -> Chain:
    db = shop.world.database
    vop = await register_vop(db, fast_simulator)
    adapter = await kit.adapter(vop)
    skus = await orderable_skus(adapter, fast_simulator, 2, distinct_warehouses=True)
    quotes = {q.sku: q.purchase_fen for q in await adapter.prices(skus)}
    async with db.platform_transaction() as session:
        for product, sku in zip((shop.phone, shop.charger), skus, strict=True):
            await session.execute(
                text(
                    "UPDATE products SET supplier_id = :s, supplier_sku = :k, "
                    "purchase_price_fen = :c WHERE id = :p"
                ),
                {"s": vop, "k": sku, "c": quotes[sku], "p": product},
            )
        prices = await library.orderable(session, shop.tenant, [shop.phone, shop.charger])
    runtime = JobRuntime(settings.database_url, db, kit.settings, kit.factory().for_supplier_id)
    registry = HandlerRegistry()
    messages.register(registry)
    consumer = FeedConsumer(db, kit.factory(), registry=registry, runtime=runtime)
    body = request(shop).model_dump(mode="json")
    body["items"] = [
        {**i, "unit_price": prices[i["product_id"]].price_fen}
        for i in body["items"]
        if i["product_id"] != shop.earphones
    ]
    order = request(shop).model_validate(body)
    async with db.platform_transaction() as session:
        accepted = await accept_order(
            session, buyer(shop.tenant), shop.tenant, order, load_secret_box(kit.settings)
        )
    chain = Chain(shop, fast_simulator, runtime, consumer, accepted.order.id)
    chain.sub_order_no = f"HV{accepted.order.id:010d}-01"
    return chain


async def test_an_order_is_followed_through_split_shipment_delivery_and_completion(
    chain: Chain,
) -> None:
    number, db = chain.sub_order_no, chain.shop.world.database
    await chain.jobs()  # the saga places and confirms it
    assert await chain.subs() == {number: "confirmed"}
    total = (await summary(db, chain.shop.tenant)).frozen_fen

    chain.simulator.advance(11)  # split per warehouse
    await chain.feed()
    await chain.jobs()  # the split message's job reads the order and records the children
    children = {f"{number}-1": "confirmed", f"{number}-2": "confirmed"}
    assert await chain.subs() == {number: "split", **children}
    held = await chain.sql(
        "SELECT reference, open_balance_fen + open_credit_fen FROM freezes ORDER BY reference"
    )
    assert dict(held)[number] == 0 and sum(v for k, v in held if k != number) == total

    chain.simulator.advance(20)  # production, then shipped
    await chain.feed()
    await chain.jobs()  # the shipped messages' jobs read the waybills
    assert await chain.subs() == {number: "split", **dict.fromkeys(children, "shipped")}
    waybills = await chain.sql(
        "SELECT s.sub_order_no, w.carrier, w.waybill_no, w.shipped_at IS NOT NULL "
        "FROM order_waybills w JOIN sub_orders s ON s.id = w.sub_order_id ORDER BY 1"
    )
    assert [(row[0], row[1], row[3]) for row in waybills] == [
        (child, "京东快递", True) for child in children
    ]
    assert all(row[2].startswith("JDV") for row in waybills)
    async with db.tenant_transaction(chain.shop.tenant) as session:  # what the tenant reads
        view = await service.get_order(
            session, buyer(chain.shop.tenant), chain.shop.tenant, "PO-1001"
        )
    shown = {sub.sub_order_no: [w.waybill_no for w in sub.waybills] for sub in view.sub_orders}
    assert shown == {number: [], **{row[0]: [row[2]] for row in waybills}}
    answer = order_out(view).model_dump(mode="json")  # GET /open/v1/orders/{order_no}
    assert answer["sub_orders"][1]["waybills"][0]["carrier"] == "京东快递"

    chain.simulator.advance(20)  # delivered, then completed
    await chain.feed()
    assert await chain.subs() == {number: "split", **dict.fromkeys(children, "completed")}
    assert (await chain.sql("SELECT status FROM orders WHERE id = :o", o=chain.order_id)) == [
        ("completed",)
    ]
    after = await summary(db, chain.shop.tenant)
    assert after.frozen_fen == 0
    captured = await chain.sql(
        "SELECT sum(amount_fen) FROM ledger_postings WHERE account IN "
        "('platform.revenue', 'supplier.payable')"
    )
    assert captured == [(total,)]
    report = await check_invariants(db, chain.runtime.adapter_for)
    assert report.holds, report.summary()
    events = await chain.sql(
        "SELECT e.event, e.source FROM order_events e WHERE e.order_id = :o ORDER BY e.id",
        o=chain.order_id,
    )
    assert ("split", "supplier") in events and events.count(("completed", "supplier")) == 2
    told = await chain.sql(
        "SELECT payload->>'sub_order_no', payload->>'to', payload->>'order_status' "
        "FROM tenant_events WHERE type = 'order.status_changed' AND entity_id = :o ORDER BY id",
        o=chain.order_id,
    )
    # The tenant is told of every move, the children's included, ending with the order done.
    assert (number, "split", "confirmed") in told
    assert {(c, "completed") for c in children} <= {(row[0], row[1]) for row in told}
    assert told[-1][2] == "completed"
    stages = [s.value for s in OrderStatus]  # accepted … completed, in order
    seen = [stages.index(row[2]) for row in told]
    assert seen == sorted(seen), told  # the order's status never went back (not at the split)


async def test_reconciliation_repairs_an_order_whose_messages_were_all_lost(
    chain: Chain,
) -> None:
    number, db = chain.sub_order_no, chain.shop.world.database
    await chain.jobs()
    chain.simulator.advance(60)  # split, shipped, delivered and completed upstream
    adapter = await chain.runtime.adapter_for(
        (await chain.sql("SELECT supplier_id FROM sub_orders WHERE sub_order_no = :n", n=number))[
            0
        ][0]
    )
    lost = await adapter.fetch_messages(list(MessageType))
    await adapter.ack_messages([m.message_id for m in lost])  # gone, never processed
    assert {m.type for m in lost} >= {MessageType.ORDER_SPLIT, MessageType.ORDER_COMPLETED}
    assert await chain.subs() == {number: "confirmed"}

    report = await reconcile(db, chain.runtime.adapter_for, batch=10)
    assert (report.checked, report.repaired) == (1, 1)
    children = {f"{number}-1": "completed", f"{number}-2": "completed"}
    assert await chain.subs() == {number: "split", **children}
    assert (await summary(db, chain.shop.tenant)).frozen_fen == 0
    assert len(await chain.sql("SELECT 1 FROM order_waybills")) == 2
    assert (await ledger_report(db)).in_balance
    before = await chain.sql("SELECT count(*) FROM order_events")
    again = await reconcile(db, chain.runtime.adapter_for, batch=10)
    assert again.checked == 0  # nothing unfinished is left to read
    assert await chain.sql("SELECT count(*) FROM order_events") == before
    async with db.platform_transaction() as session:
        assert await sync_repository.claim_for_reconciliation(session, 10) == []
        assert (await repository.find_sub_order(session, number)) is not None


async def test_duplicated_reordered_messages_and_children_reported_before_their_split_converge(
    chain: Chain,
) -> None:
    number, db = chain.sub_order_no, chain.shop.world.database
    await chain.jobs()
    chain.simulator.set_faults(duplicate_message_rate=0.5, reorder_messages=True)
    chain.simulator.advance(60)  # the whole life at once: children report before the split
    await chain.feed()  # the children's messages name orders not known yet: acknowledged
    assert await chain.subs() == {number: "confirmed"}
    await chain.jobs()  # the split message's job records the children where upstream has them
    children = {f"{number}-1": "completed", f"{number}-2": "completed"}
    assert await chain.subs() == {number: "split", **children}
    assert (await summary(db, chain.shop.tenant)).frozen_fen == 0
    assert len(await chain.sql("SELECT 1 FROM order_waybills")) == 2
    report = await check_invariants(db, chain.runtime.adapter_for)
    assert report.holds, report.summary()
    logged = await chain.sql("SELECT status, count(*) FROM supplier_messages GROUP BY 1")
    assert dict(logged).keys() <= {"processed", "ignored"}  # nothing failed or retried


def _hive_orders_sync(*numbers: str, database_url: str, cwd: Path) -> CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env |= {"HIVE_DATABASE_URL": database_url, "HIVE_DATA_DIR": str(cwd)}
    env["HIVE_SECRET_KEY"] = SECRET_KEY  # reads the test supplier's credentials
    return subprocess.run(
        [sys.executable, "-m", "hive", "orders", "sync", *numbers],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def test_an_operator_syncs_a_stuck_sub_order_from_the_command_line(
    chain: Chain, database_url: str, tmp_path: Path
) -> None:
    number = chain.sub_order_no
    await chain.jobs()
    chain.simulator.advance(60)
    adapter = await chain.runtime.adapter_for(
        (await chain.sql("SELECT supplier_id FROM sub_orders WHERE sub_order_no = :n", n=number))[
            0
        ][0]
    )
    lost = await adapter.fetch_messages(list(MessageType))
    await adapter.ack_messages([m.message_id for m in lost])

    done = await asyncio.to_thread(
        _hive_orders_sync, number, "HV9999999999-01", database_url=database_url, cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr  # one number is unknown
    lines = done.stdout.splitlines()
    assert f"{number}: 5 changes" in lines  # the split, and each child completed + a waybill
    assert "HV9999999999-01: unknown" in lines
    assert await chain.subs() == {
        number: "split",
        f"{number}-1": "completed",
        f"{number}-2": "completed",
    }
    again = await asyncio.to_thread(
        _hive_orders_sync, number, database_url=database_url, cwd=tmp_path
    )
    assert (again.returncode, again.stdout.splitlines()[-1]) == (0, f"{number}: unchanged")
    # In this process: a refusal needs no third `python -m hive`.
    bad = await asyncio.to_thread(
        hive_in_process,
        "orders",
        "sync",
        "HV'; --",
        database_url=database_url,
        data_dir=tmp_path,
        cwd=tmp_path,
        env={"HIVE_SECRET_KEY": SECRET_KEY},
    )
    assert bad.returncode == 2 and "NUMBERS：格式不正确" in bad.stderr
