"""VOP after-sales calls (``afterSale/*``) mapped to our after-sales types."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from hive.suppliers.errors import InvalidSupplierAnswer
from hive.suppliers.types import (
    AfterSaleCase,
    AfterSaleOptions,
    AfterSaleRequest,
    AfterSaleStep,
    AfterSaleType,
    PickupMethod,
)
from hive.suppliers.vop.wire import json_text

Call = Callable[[str, dict[str, str]], Awaitable[Any]]

SERVICE_TYPES = {10: AfterSaleType.RETURN, 20: AfterSaleType.EXCHANGE, 30: AfterSaleType.REPAIR}
SERVICE_CODES = {kind: code for code, kind in SERVICE_TYPES.items()}
PICKUP_METHODS = {4: PickupMethod.PICKUP, 7: PickupMethod.DROP_OFF, 40: PickupMethod.POST}
PICKUP_CODES = {method: code for code, method in PICKUP_METHODS.items()}
STEPS = {
    10: AfterSaleStep.APPLIED,
    20: AfterSaleStep.REFUSED,
    21: AfterSaleStep.AUDITING,
    22: AfterSaleStep.AUDITING,
    31: AfterSaleStep.RECEIVED,
    32: AfterSaleStep.PROCESSING,
    33: AfterSaleStep.AWAITING_CONFIRMATION,
    34: AfterSaleStep.CONFIRMED,
    40: AfterSaleStep.COMPLETED,
    60: AfterSaleStep.CANCELLED,
}


def _codes(result: Any, path: str) -> list[int]:
    items = json_text(result)
    if not isinstance(items, list):
        raise InvalidSupplierAnswer(details={"path": path})
    try:
        return [int(i["code"]) if isinstance(i, Mapping) else int(i) for i in items]
    except (KeyError, TypeError, ValueError):
        raise InvalidSupplierAnswer(details={"path": path}) from None


async def options(call: Call, supplier_order_id: str, sku: str) -> AfterSaleOptions:
    fields = {"jdOrderId": supplier_order_id, "skuId": sku}
    available = await call("afterSale/getAvailableNumberComp", fields)
    expected = await call("afterSale/getCustomerExpectComp", fields)
    pickups = await call("afterSale/getWareReturnJdComp", fields)
    try:
        quantity = int(json_text(available))
    except (TypeError, ValueError):
        raise InvalidSupplierAnswer(details={"path": "afterSale/getAvailableNumberComp"}) from None
    return AfterSaleOptions(
        available_quantity=quantity,
        types=tuple(
            SERVICE_TYPES[c]
            for c in _codes(expected, "getCustomerExpectComp")
            if c in SERVICE_TYPES
        ),
        pickup_methods=tuple(
            PICKUP_METHODS[c] for c in _codes(pickups, "getWareReturnJdComp") if c in PICKUP_METHODS
        ),
    )


async def apply(call: Call, request: AfterSaleRequest) -> AfterSaleCase:
    contact = request.contact
    apply_body = {
        "thirdApplyId": request.request_no,
        "jdOrderId": request.supplier_order_id,
        "customerExpect": SERVICE_CODES[request.type],
        "questionDesc": request.reason,
        "asCustomerDto": {
            "customerContactName": contact.name,
            "customerMobilePhone": contact.mobile,
        },
        "asPickwareDto": {
            "pickwareType": PICKUP_CODES[request.pickup],
            "pickwareProvince": contact.area.province,
            "pickwareCity": contact.area.city,
            "pickwareCounty": contact.area.county,
            "pickwareVillage": contact.area.town,
            "pickwareAddress": contact.address,
        },
        "asDetailDto": {"skuId": int(request.sku), "skuNum": request.quantity},
    }
    answer = await call(
        "afterSale/createAfsApply", {"afsApply": json.dumps(apply_body, ensure_ascii=False)}
    )
    # The case is the one the supplier says it created: the same SKU may already have another
    # (an earlier return of part of the line), so it is never looked up by SKU.
    service_id = _service_id(answer)
    for case in await cases(call, request.supplier_order_id):
        if case.service_id == service_id:
            # VOP's list does not carry the quantity; the supplier accepted the one we asked for.
            return dataclasses.replace(case, quantity=request.quantity)
    raise InvalidSupplierAnswer(
        details={"path": "afterSale/getServiceListPage", "problem": f"no case {service_id}"}
    )


def _service_id(answer: Any) -> str:
    result = json_text(answer)
    value = result.get("afsServiceId") if isinstance(result, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | str) or not _positive(str(value)):
        raise InvalidSupplierAnswer(
            details={"path": "afterSale/createAfsApply", "problem": "no afsServiceId"}
        )
    return str(value)


def _positive(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) > 0


async def cases(call: Call, supplier_order_id: str) -> list[AfterSaleCase]:
    fields = {"jdOrderId": supplier_order_id, "pageIndex": "1", "pageSize": "100"}
    page = json_text(await call("afterSale/getServiceListPage", fields))
    rows = page.get("serviceInfoList", []) if isinstance(page, Mapping) else None
    if not isinstance(rows, list):
        raise InvalidSupplierAnswer(details={"path": "afterSale/getServiceListPage"})
    try:
        return [_case(supplier_order_id, row) for row in rows]
    except (KeyError, TypeError, ValueError):
        raise InvalidSupplierAnswer(details={"path": "afterSale/getServiceListPage"}) from None


def _case(supplier_order_id: str, row: Mapping[str, Any]) -> AfterSaleCase:
    """A listed case; its order is the one the supplier names (a split order's child, when the
    list was asked for by the parent's id)."""
    service_id, order_id = str(row["afsServiceId"]), str(row.get("orderId", supplier_order_id))
    if not _positive(service_id) or not _positive(order_id):
        raise ValueError("afsServiceId and orderId must be positive integers")
    return AfterSaleCase(
        service_id=service_id,
        supplier_order_id=order_id,
        sku=str(row.get("wareId", row.get("skuId", ""))),
        quantity=int(row.get("wareNum", row.get("skuNum", 1))),
        type=SERVICE_TYPES[int(row.get("customerExpect", 10))],
        step=STEPS[int(row["afsServiceStep"])],
    )


async def cancel(call: Call, service_id: str) -> None:
    await call("afterSale/auditCancel", {"serviceIdList": json.dumps([int(service_id)])})
