"""After-sales through the adapter against the simulator: options, apply, list, cancel; a
second return of the same SKU is its own case; a split order's case names its child."""

from __future__ import annotations

import dataclasses

import pytest

from hive.platform.db import Database
from hive.suppliers.errors import AfterSaleNotAllowed, InvalidSupplierAnswer
from hive.suppliers.types import (
    AfterSaleRequest,
    AfterSaleStep,
    AfterSaleType,
    PickupMethod,
)
from hive.suppliers.vop import aftersales
from hive.suppliers.vop.adapter import VopAdapter
from tests.support.vop import AdapterKit, Simulator, register_vop
from tests.support.vop_orders import RECIPIENT, orderable_skus, place_order


def return_request(request_no: str, order_id: str, sku: str, quantity: int) -> AfterSaleRequest:
    return AfterSaleRequest(
        request_no=request_no,
        supplier_order_id=order_id,
        sku=sku,
        quantity=quantity,
        type=AfterSaleType.RETURN,
        reason="外包装破损",
        pickup=PickupMethod.PICKUP,
        contact=RECIPIENT,
    )


async def delivered(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> tuple[VopAdapter, str, str]:
    adapter = await kit.adapter(await register_vop(database, simulator))
    (sku,) = await orderable_skus(adapter, simulator, 1)
    placed = await place_order(adapter, [sku], "HV-AFS-1", quantity=3)
    simulator.advance(40)  # shipped and delivered
    return adapter, placed.supplier_order_id, sku


async def test_a_second_return_of_the_same_sku_is_its_own_case(
    kit: AdapterKit, database: Database, fast_simulator: Simulator
) -> None:
    adapter, order_id, sku = await delivered(kit, database, fast_simulator)
    options = await adapter.after_sale_options(order_id, sku)
    assert options.available_quantity == 3
    assert AfterSaleType.RETURN in options.types
    assert set(options.pickup_methods) == set(PickupMethod)

    first = await adapter.apply_after_sale(return_request("HV-R-1", order_id, sku, 1))
    second = await adapter.apply_after_sale(return_request("HV-R-2", order_id, sku, 2))
    assert first.service_id != second.service_id
    assert (first.quantity, second.quantity) == (1, 2)
    assert first.step is second.step is AfterSaleStep.APPLIED
    assert (first.supplier_order_id, first.sku, first.type) == (order_id, sku, AfterSaleType.RETURN)
    again = await adapter.apply_after_sale(return_request("HV-R-1", order_id, sku, 1))
    assert again.service_id == first.service_id  # our request number is the idempotency key

    assert (await adapter.after_sale_options(order_id, sku)).available_quantity == 0
    with pytest.raises(AfterSaleNotAllowed):
        await adapter.apply_after_sale(return_request("HV-R-3", order_id, sku, 1))

    await adapter.cancel_after_sale(second.service_id)
    cases = {case.service_id: case for case in await adapter.after_sale_cases(order_id)}
    assert set(cases) == {first.service_id, second.service_id}
    assert cases[second.service_id].step is AfterSaleStep.CANCELLED
    assert cases[first.service_id].step is AfterSaleStep.APPLIED
    assert (await adapter.after_sale_options(order_id, sku)).available_quantity == 2

    fast_simulator.advance(5)  # the service walks on: customer-service audit
    listed = await adapter.after_sale_cases(order_id)
    (walked,) = [c for c in listed if c.service_id == first.service_id]
    assert walked.step is AfterSaleStep.AUDITING


async def test_a_case_on_a_split_order_names_the_child_that_holds_the_sku(
    kit: AdapterKit, database: Database, fast_simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, fast_simulator))
    skus = await orderable_skus(adapter, fast_simulator, 2, distinct_warehouses=True)
    placed = await place_order(adapter, skus, "HV-AFS-SPLIT")
    fast_simulator.advance(40)
    family = await adapter.order_detail(placed.supplier_order_id)
    holder = {line.sku: c.supplier_order_id for c in family.children for line in c.lines}

    case = await adapter.apply_after_sale(
        return_request("HV-R-S", placed.supplier_order_id, skus[0], 1)
    )
    assert case.supplier_order_id == holder[skus[0]] != placed.supplier_order_id
    listed = await adapter.after_sale_cases(placed.supplier_order_id)
    assert [(c.service_id, c.supplier_order_id) for c in listed] == [
        (case.service_id, holder[skus[0]])
    ]


@pytest.mark.parametrize(
    "answer", [None, True, {}, {"afsServiceId": None}, {"afsServiceId": "x"}, {"afsServiceId": 0}]
)
async def test_an_apply_answer_without_a_service_id_is_refused(answer: object) -> None:
    calls: list[str] = []

    async def call(path: str, fields: dict[str, str]) -> object:
        calls.append(path)
        return answer

    request = return_request("HV-R-X", "250000000001", "100012", 1)
    with pytest.raises(InvalidSupplierAnswer):
        await aftersales.apply(call, dataclasses.replace(request))
    assert calls == ["afterSale/createAfsApply"]  # never guessed from the list
