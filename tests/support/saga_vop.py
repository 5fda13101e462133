"""The submission saga against the VOP simulator: a shop whose products are real simulator
SKUs, and a simulator that counts (and can hold the answer of) order submissions."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import text

from hive.orders.acceptance import Accepted, accept_order
from hive.orders.invariants import check_invariants
from hive.orders.schemas import OrderRequest
from hive.platform.db import Database
from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig
from tests.orders.test_order_acceptance import Shop, buyer, request
from tests.support.servers import running_server
from tests.support.vop import SECRETS, AdapterKit, Simulator, register_vop
from tests.support.vop_orders import RECIPIENT, orderable_skus


class SubmitGate:
    """The simulator's ASGI app, counting each ``order/submitOrder`` by ``thirdOrder``; when
    armed, the answer of the next submission is held (the order is already made) until the
    gate opens — a worker waiting for it can be killed between the supplier's commit and ours."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.submits: Counter[str] = Counter()
        self.armed = False
        self.holding = threading.Event()
        self.opened = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("order/submitOrder"):
            await self.app(scope, receive, send)
            return
        messages = [await receive()]
        while messages[-1].get("more_body"):
            messages.append(await receive())
        form = parse_qs(b"".join(m.get("body", b"") for m in messages).decode())
        self.submits[form.get("thirdOrder", [""])[0]] += 1
        replay = iter(messages)

        async def replayed() -> Any:
            return next(replay, None) or await receive()

        if not self.armed:
            await self.app(scope, replayed, send)
            return
        self.armed = False
        held: list[Any] = []

        async def keep(message: Any) -> None:
            held.append(message)

        await self.app(scope, replayed, keep)  # the order is made upstream
        self.holding.set()
        await asyncio.to_thread(self.opened.wait)
        for message in held:
            await send(message)


@dataclass
class GatedSimulator:
    simulator: Simulator
    gate: SubmitGate

    def orders_by_third_order(self) -> dict[str, int]:
        sim = self.gate.app.state.simulator
        rows = sim.store.query("SELECT third_order, count(*) FROM orders GROUP BY third_order")
        return {str(third): int(count) for third, count in rows}

    def order_status(self, third_order: str) -> str:
        order = self.gate.app.state.simulator.order_repo.by_third_order(third_order)
        return "" if order is None else str(order.status)


@contextmanager
def gated_simulator(data_dir: Path) -> Iterator[GatedSimulator]:
    config = SimulatorConfig(data_dir=data_dir, manual_clock=True)
    gate = SubmitGate(create_app(config))
    try:
        with running_server(gate) as url:
            yield GatedSimulator(Simulator(url, config), gate)
    finally:
        gate.opened.set()


async def sell_vop_skus(shop: Shop, simulator: Simulator, kit: AdapterKit) -> int:
    """Make the shop's three products real SKUs of a VOP supplier on ``simulator`` (at the
    simulator's purchase prices), so an order of them is one VOP sub-order; its id."""
    db = shop.world.database
    supplier_id = await register_vop(db, simulator)
    adapter = await kit.adapter(supplier_id)
    skus = await orderable_skus(adapter, simulator, 3)
    quotes = {q.sku: q for q in await adapter.prices(skus)}
    async with db.platform_transaction() as session:
        for product_id, sku in zip((shop.phone, shop.earphones, shop.charger), skus, strict=True):
            await session.execute(
                text(
                    "UPDATE products SET supplier_id = :s, supplier_sku = :sku, "
                    "purchase_price_fen = :p WHERE id = :id"
                ),
                {"s": supplier_id, "sku": sku, "p": quotes[sku].purchase_fen, "id": product_id},
            )
    return supplier_id


def vop_request(shop: Shop, order_no: str) -> OrderRequest:
    """The shop's usual order, delivered where the chosen SKUs can go."""
    area = RECIPIENT.area
    body = request(shop, order_no).model_dump(mode="json")
    body["address"] |= {"province_id": area.province, "city_id": area.city}
    body["address"] |= {"county_id": area.county}
    return OrderRequest.model_validate(body)


async def accept(shop: Shop, order_no: str) -> Accepted:
    """Accept an order (its receiver under the workers' secret), deferring its saga jobs."""
    async with shop.world.database.platform_transaction() as session:
        return await accept_order(
            session, buyer(shop.tenant), shop.tenant, vop_request(shop, order_no), SECRETS
        )


DEADLINE_S = 240.0


@pytest.fixture
def vop(tmp_path: Path) -> Iterator[GatedSimulator]:
    with gated_simulator(tmp_path / "vop") as gated:
        yield gated


async def poll(what: str, check: Callable[[], Awaitable[Any]]) -> Any:
    deadline = asyncio.get_running_loop().time() + DEADLINE_S
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def scalar(database: Database, statement: str, **params: Any) -> Any:
    async with database.platform_transaction() as session:
        return await session.scalar(text(statement), params)


async def sub_orders(database: Database) -> list[tuple[str, str, str | None, int]]:
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text(
                "SELECT sub_order_no, status, upstream_order_id, submit_attempts "
                "FROM sub_orders ORDER BY id"
            )
        )
        return [(str(r[0]), str(r[1]), r[2], int(r[3])) for r in rows]


async def invariants_hold(database: Database, kit: AdapterKit) -> None:
    report = await check_invariants(database, kit.factory().for_supplier_id)
    assert report.holds, report.summary()
    assert not report.in_flight and not report.held
