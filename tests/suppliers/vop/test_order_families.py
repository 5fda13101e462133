"""Split orders against the simulator: the family read whole and a child read alone keep
their parent; a child cannot be confirmed (a named error); tracking names every child."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hive.platform.db import Database
from hive.simulators.vop.order_progress import CARRIER, OPERATOR
from hive.suppliers.errors import CannotConfirmChildOrder, InvalidSupplierAnswer
from hive.suppliers.types import UpstreamOrderStatus, Waybill
from hive.suppliers.vop.wire import OrderWire
from tests.support.vop import AdapterKit, Simulator, register_vop
from tests.support.vop_orders import orderable_skus, place_order


async def test_a_split_family_keeps_its_parent_whole_and_child_by_child(
    kit: AdapterKit, database: Database, fast_simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, fast_simulator))
    skus = await orderable_skus(adapter, fast_simulator, 2, distinct_warehouses=True)
    placed = await place_order(adapter, skus, "HV-SPLIT-1")
    assert placed.parent_id is None and placed.children == ()
    fast_simulator.advance(10)  # split into one child per warehouse

    family = await adapter.order_detail(placed.supplier_order_id, order_no="HV-SPLIT-1")
    assert family.supplier_order_id == placed.supplier_order_id and family.parent_id is None
    assert len(family.children) == 2
    assert {c.parent_id for c in family.children} == {placed.supplier_order_id}
    assert sorted(line.sku for c in family.children for line in c.lines) == sorted(skus)
    assert sum(c.freight_fen for c in family.children) == placed.freight_fen

    for child in family.children:
        alone = await adapter.order_detail(child.supplier_order_id)
        assert alone.parent_id == placed.supplier_order_id
        assert alone.children == ()
        assert [line.sku for line in alone.lines] == [line.sku for line in child.lines]
        with pytest.raises(CannotConfirmChildOrder) as refused:
            await adapter.confirm_order(child.supplier_order_id)
        assert refused.value.code == "supplier_child_order_confirm"
        assert refused.value.details["supplier_code"] == "3104"


async def test_tracking_a_split_order_names_each_child_and_its_waybill(
    kit: AdapterKit, database: Database, fast_simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, fast_simulator))
    skus = await orderable_skus(adapter, fast_simulator, 2, distinct_warehouses=True)
    placed = await place_order(adapter, skus, "HV-SPLIT-2")
    fast_simulator.advance(30)  # split, in production, shipped

    track = await adapter.track(placed.supplier_order_id)
    family = await adapter.order_detail(placed.supplier_order_id)
    assert track.supplier_order_id == placed.supplier_order_id
    children = sorted(c.supplier_order_id for c in family.children)
    assert len(children) == 2
    waybills = [Waybill(CARRIER, f"JDV{int(c):015d}", c) for c in children]  # the simulator's
    assert sorted(track.waybills, key=lambda w: w.supplier_order_id) == waybills
    shipped = [
        (e.content, e.operator) for e in track.events if e.content.startswith("您的订单已出库")
    ]
    assert sorted(shipped) == sorted(
        (f"您的订单已出库，{CARRIER}运单号：{w.waybill_no}", OPERATOR) for w in waybills
    )
    assert {e.operator for e in track.events} == {OPERATOR}
    assert [e.at for e in track.events] == sorted(e.at for e in track.events)
    assert all(e.at.utcoffset() == timedelta(0) for e in track.events)  # read in UTC
    assert all(c.status is UpstreamOrderStatus.SHIPPED for c in family.children)


@pytest.mark.parametrize("p_order", [-5, "abc", 1.5, True, {"jdOrderId": 0}, [1]])
def test_a_parent_id_that_is_not_an_order_id_is_refused(p_order: object) -> None:
    with pytest.raises(ValueError, match="order id"):
        OrderWire.model_validate({"jdOrderId": 250000000001, "pOrder": p_order})


def test_a_child_read_alone_names_its_parent_given_as_a_number_or_digits() -> None:
    for p_order in (250000000001, "250000000001"):
        wire = OrderWire.model_validate({"jdOrderId": 250000000002, "pOrder": p_order})
        assert wire.parent_id == "250000000001"
    assert OrderWire.model_validate({"jdOrderId": 250000000001, "pOrder": 0}).parent_id is None


def test_invalid_answer_class_is_what_a_bad_parent_becomes() -> None:
    from hive.suppliers.vop.adapter import parse

    with pytest.raises(InvalidSupplierAnswer):
        parse(OrderWire, {"jdOrderId": 250000000002, "pOrder": "x"}, "order/selectJdOrder")


class Recording(httpx.AsyncBaseTransport):
    """Passes every request on and remembers its path."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self._inner.handle_async_request(request)


async def test_a_repeated_submission_maps_the_order_the_refusal_names(
    kit: AdapterKit, database: Database, fast_simulator: Simulator
) -> None:
    supplier = await register_vop(database, fast_simulator)
    recording = Recording()
    async with httpx.AsyncClient(transport=recording) as http:
        kit.http = http
        adapter = await kit.adapter(supplier)
        skus = await orderable_skus(adapter, fast_simulator, 1)
        placed = await place_order(adapter, skus, "HV-DUP-1")
        recording.paths.clear()
        again = await place_order(adapter, skus, "HV-DUP-1")  # 0008, naming the first order
    assert again.supplier_order_id == placed.supplier_order_id
    assert again.order_no == "HV-DUP-1" and again.lines == placed.lines
    assert not any(p.endswith("selectJdOrderIdByThirdOrder") for p in recording.paths)
