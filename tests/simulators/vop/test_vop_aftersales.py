"""afterSale/*: availability, types, apply, list, detail, cancel, send-back, steps with 110."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from vop_sim_harness import SCHEDULE, RunningSimulator, VopClient, fen, order_form, sellable_skus

AFS_SCHEDULE = {**SCHEDULE, "afs_step_after_s": 5}


def delivered_order(start_sim: Callable[..., RunningSimulator]) -> tuple[VopClient, int, int]:
    client = start_sim(orders=AFS_SCHEDULE).client()
    sku = sellable_skus(client, 1)[0]
    form = order_form([sku], "T-afs", sku=json.dumps([{"skuId": sku, "num": 3}]))
    order = client.ok("order/submitOrder", **form)["jdOrderId"]
    return client, order, sku


def apply_form(
    order: int, sku: int, num: int, expect: int = 10, pickware: int = 4, **extra: Any
) -> dict[str, str]:
    afs_apply = {
        "jdOrderId": order,
        "customerExpect": expect,
        "questionDesc": "商品有划痕",
        "asCustomerDto": {"customerContactName": "张三", "customerTel": "13800000000"},
        "asPickwareDto": {"pickwareType": pickware, "pickwareProvince": 1},
        "asReturnwareDto": {"returnwareType": 10},
        "asDetailDto": {"skuId": sku, "skuNum": num},
        **extra,
    }
    return {"afsApply": json.dumps(afs_apply, ensure_ascii=False)}


def param(**values: Any) -> dict[str, str]:
    return {"param": json.dumps(values)}


def test_nothing_available_before_delivery(start_sim: Callable[..., RunningSimulator]) -> None:
    client, order, sku = delivered_order(start_sim)
    assert client.ok("afterSale/getAvailableNumberComp", **param(jdOrderId=order, skuId=sku)) == 0
    refused = client.call("afterSale/createAfsApply", **apply_form(order, sku, 1))
    assert refused["resultCode"] == "6001"
    client.advance(40)
    assert client.ok("afterSale/getAvailableNumberComp", **param(jdOrderId=order, skuId=sku)) == 3
    expects = client.ok("afterSale/getCustomerExpectComp", **param(jdOrderId=order, skuId=sku))
    assert "10" in {e["code"] for e in expects}
    pickups = client.ok("afterSale/getWareReturnJdComp", **param(jdOrderId=order, skuId=sku))
    assert {p["code"] for p in pickups} == {"4", "7", "40"}
    missing = client.call("afterSale/getAvailableNumberComp", **param(jdOrderId=order, skuId=1))
    assert missing["resultCode"] == "3401"


def test_return_walks_its_steps_and_refunds(start_sim: Callable[..., RunningSimulator]) -> None:
    client, order, sku = delivered_order(start_sim)
    client.advance(40)
    before = fen(client.ok("price/getUnionBalance", type="1")["balance"]["remainLimit"])
    service = client.ok("afterSale/createAfsApply", **apply_form(order, sku, 2))["afsServiceId"]
    assert client.ok("afterSale/getAvailableNumberComp", **param(jdOrderId=order, skuId=sku)) == 1
    too_many = client.call("afterSale/createAfsApply", **apply_form(order, sku, 2))
    assert too_many["resultCode"] == "6001"
    client.advance(20)
    steps = [m["result"]["state"] for m in client.ok("message/get", type="110")]
    assert steps == [10, 21, 31, 32, 40]
    detail = client.ok("afterSale/getServiceDetailInfo", **param(afsServiceId=service))
    assert detail["afsServiceStep"] == 40 and len(detail["afsServiceTrackInfoDTOs"]) == 5
    after = fen(client.ok("price/getUnionBalance", type="1")["balance"]["remainLimit"])
    assert after - before == fen(detail["refundAmount"])
    listed = client.ok(
        "afterSale/getServiceListPage", **param(jdOrderId=order, pageIndex=1, pageSize=10)
    )
    assert listed["totalNum"] == 1 and listed["serviceInfoList"][0]["afsServiceId"] == service


def test_cancel_and_customer_shipped_return(start_sim: Callable[..., RunningSimulator]) -> None:
    client, order, sku = delivered_order(start_sim)
    client.advance(40)
    first = client.ok("afterSale/createAfsApply", **apply_form(order, sku, 1))["afsServiceId"]
    assert client.ok("afterSale/auditCancel", **param(serviceIdList=[first])) is True
    again = client.call("afterSale/auditCancel", **param(serviceIdList=[first]))
    assert again["resultCode"] == "6001"
    shipped = client.ok(
        "afterSale/createAfsApply", **apply_form(order, sku, 1, pickware=40, thirdApplyId="A-1")
    )["afsServiceId"]
    repeat = client.ok(
        "afterSale/createAfsApply", **apply_form(order, sku, 1, pickware=40, thirdApplyId="A-1")
    )
    assert repeat["afsServiceId"] == shipped
    client.advance(30)
    waiting = client.ok("afterSale/getServiceDetailInfo", **param(afsServiceId=shipped))
    assert waiting["afsServiceStep"] == 21
    sent = client.call(
        "afterSale/updateSendSku",
        **param(
            afsServiceId=shipped,
            deliverDate="2024-06-01",
            expressCompany="顺丰",
            expressCode="SF123",
            freightMoney="12.00",
        ),
    )
    assert sent["success"], sent
    client.advance(30)
    done = client.ok("afterSale/getServiceDetailInfo", **param(afsServiceId=shipped))
    assert done["afsServiceStep"] == 40
    assert done["serviceAftersalesSendInfo"]["expressCode"] == "SF123"
    assert (
        client.call("afterSale/updateSendSku", **param(afsServiceId=shipped))["resultCode"]
        == "1001"
    )


def test_refused_audit_and_bad_input(start_sim: Callable[..., RunningSimulator]) -> None:
    client, order, sku = delivered_order(start_sim)
    client.advance(40)
    form = apply_form(order, sku, 1, questionDesc="测试拒绝")
    service = client.ok("afterSale/createAfsApply", **form)["afsServiceId"]
    client.advance(5)
    detail = client.ok("afterSale/getServiceDetailInfo", **param(afsServiceId=service))
    assert detail["afsServiceStep"] == 20
    assert client.call("afterSale/createAfsApply", afsApply="{broken")["resultCode"] == "1001"
    assert (
        client.call("afterSale/createAfsApply", **apply_form(order, sku, 1, expect=99))[
            "resultCode"
        ]
        == "1001"
    )
    assert client.call("afterSale/getServiceDetailInfo", param="[1]")["resultCode"] == "1001"
    assert (
        client.call("afterSale/getServiceDetailInfo", **param(afsServiceId=1))["resultCode"]
        == "3401"
    )
