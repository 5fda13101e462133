"""Every method answers each field in the JSON type JD sends, as the typed public clients
declare it (Go ``bububa/jdvop``, .NET ``OYMLCN.JdVop``, Java ``jd-vop-api``): ids of orders and
SKUs are numbers (a search hit's ids, a pool page and a waybill's order ids are strings), money
is a number of yuan, a time not yet reached is null, a balance row's ``orderId`` is a string and
its ``tradeNo`` a number, and search aggregates sit at the top level of ``result``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from vop_sim_harness import (
    BEIJING,
    BEIJING_AREA,
    SCHEDULE,
    RunningSimulator,
    VopClient,
    order_form,
    sellable_skus,
)

from hive.simulators.vop.config import SimulatorConfig

INT, STR, NUM, BOOL, NULL = "int", "str", "num", "bool", "null"
Spec = Any


def conforms(value: Any, spec: Spec, path: str = "result") -> None:
    """Assert ``value`` has the JSON type ``spec`` (a type name, ``[item spec]``, a dict of
    field specs, or a tuple of alternatives); fields not named are not checked."""
    if isinstance(spec, tuple):
        problems = []
        for option in spec:
            try:
                conforms(value, option, path)
                return
            except AssertionError as problem:
                problems.append(str(problem))
        raise AssertionError(f"{path}: none of {spec} ({'; '.join(problems)})")
    if isinstance(spec, list):
        assert isinstance(value, list) and value, f"{path}: want a non-empty list, got {value!r}"
        for index, item in enumerate(value):
            conforms(item, spec[0], f"{path}[{index}]")
    elif isinstance(spec, dict):
        assert isinstance(value, dict), f"{path}: want an object, got {value!r}"
        for name, field_spec in spec.items():
            assert name in value, f"{path}.{name} missing"
            conforms(value[name], field_spec, f"{path}.{name}")
    else:
        kinds = {
            INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
            NUM: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            STR: lambda v: isinstance(v, str),
            BOOL: lambda v: isinstance(v, bool),
            NULL: lambda v: v is None,
        }
        assert kinds[spec](value), f"{path}: want {spec}, got {value!r}"


LINE = {
    "skuId": INT,
    "num": INT,
    "category": INT,
    "price": NUM,
    "name": STR,
    "tax": NUM,
    "taxPrice": NUM,
    "nakedPrice": NUM,
    "type": INT,
    "oid": INT,
}
MONEY = {"freight": NUM, "orderPrice": NUM, "orderNakedPrice": NUM, "orderTaxPrice": NUM}
ORDER = {
    "jdOrderId": INT,
    "orderState": INT,
    "state": INT,
    "submitState": INT,
    "type": INT,
    "jdOrderState": INT,
    "orderType": INT,
    "paymentType": INT,
    "createOrderTime": STR,
    **MONEY,
    "sku": [LINE],
}
SEARCH = {
    "resultCount": INT,
    "pageIndex": INT,
    "pageSize": INT,
    "pageCount": INT,
    "hitResult": [
        {
            "wareId": STR,
            "warePId": STR,
            "wareName": STR,
            "brand": STR,
            "brandId": STR,
            "cid1": STR,
            "cid2": STR,
            "catId": STR,
            "imageUrl": STR,
            "wstate": STR,
            "wyn": STR,
        }
    ],
    "brandAggregate": {"brandList": [{"id": STR, "name": STR}]},
    "categoryAggregate": {
        level: [{"catId": INT, "name": STR, "count": INT}]
        for level in ("firstCategory", "secondCategory", "thridCategory")
    },
    "priceIntervalAggregate": [{"min": NUM, "max": NUM}],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One simulator with a delivered two-warehouse (split) order and a return applied."""
    config = SimulatorConfig(
        data_dir=tmp_path_factory.mktemp("vop-types"), manual_clock=True, orders=SCHEDULE
    )
    with RunningSimulator(config) as running:
        client = running.client()
        skus = sellable_skus(client, 2, distinct_warehouses=True)
        placed = client.ok("order/submitOrder", **order_form(skus, "T-types"))
        reserved = client.ok("order/submitOrder", **order_form(skus[:1], "T-open", submit_state=0))
        cancelled = client.ok("order/submitOrder", **order_form(skus[:1], "T-gone", submit_state=0))
        client.ok("order/cancel", jdOrderId=cancelled["jdOrderId"])
        client.advance(45)  # split, shipped, delivered (not yet completed)
        family = client.ok("order/selectJdOrder", jdOrderId=placed["jdOrderId"])
        child = family["cOrder"][0]
        apply = {
            "jdOrderId": child["jdOrderId"],
            "customerExpect": 10,
            "questionDesc": "划痕",
            "asCustomerDto": {"customerContactName": "张三", "customerTel": "13800000000"},
            "asPickwareDto": {"pickwareType": 4},
            "asDetailDto": {"skuId": child["sku"][0]["skuId"], "skuNum": 1},
        }
        service = client.ok("afterSale/createAfsApply", afsApply=json.dumps(apply))
        yield client, skus, placed, reserved, child, service, cancelled
        client.close()


def calls(world: Any) -> dict[str, tuple[Callable[[VopClient], Any], Spec]]:
    client, skus, placed, reserved, child, service, _ = world
    sku, joined = skus[0], ",".join(map(str, skus))
    day = client.http.get("/admin/state").json()["now"][:10]
    parent = placed["jdOrderId"]
    afs = {"jdOrderId": child["jdOrderId"], "skuId": child["sku"][0]["skuId"]}
    return {
        "area/getProvince": (lambda c: c.ok("area/getProvince"), {"北京": INT}),
        "area/getCity": (lambda c: c.ok("area/getCity", id=1), {"朝阳区": INT}),
        "product/getPageNum": (lambda c: c.ok("product/getPageNum"), [{"page_num": STR}]),
        "product/getSkuByPage": (
            lambda c: c.ok("product/getSkuByPage", pageNum="70004", pageNo=1),
            {"pageCount": INT, "skuIds": [INT]},
        ),
        "product/getDetail": (
            lambda c: c.ok("product/getDetail", sku=sku),
            {
                "sku": INT,
                "name": STR,
                "brandName": STR,
                "category": STR,
                "imagePath": STR,
                "state": INT,
                "weight": STR,
                "upc": STR,
                "saleUnit": STR,
                "param": STR,
            },
        ),
        "product/skuImage": (
            lambda c: c.ok("product/skuImage", sku=sku),
            {str(sku): [{"skuId": INT, "path": STR, "isPrimary": INT, "orderSort": INT}]},
        ),
        "product/skuState": (
            lambda c: c.ok("product/skuState", sku=joined),
            [{"sku": INT, "state": INT}],
        ),
        "product/check": (
            lambda c: c.ok("product/check", skuIds=joined),
            [{"skuId": INT, "saleState": INT, "isCanVAT": INT, "is7ToReturn": INT}],
        ),
        "product/checkAreaLimit": (
            lambda c: json.loads(c.ok("product/checkAreaLimit", skuIds=joined, **BEIJING)),
            [{"skuId": INT, "isAreaRestrict": BOOL}],
        ),
        "product/getCategorys": (
            lambda c: c.ok("product/getCategorys", pageNo=1, pageSize=5),
            {
                "totalRows": INT,
                "categorys": [{"catId": INT, "parentId": INT, "name": STR, "catClass": INT}],
            },
        ),
        "search/search": (
            lambda c: c.ok("search/search", Keyword="手机", pageIndex=1, pageSize=5),
            SEARCH,
        ),
        "price/getSellPrice": (
            lambda c: c.ok("price/getSellPrice", sku=joined, queryExts="marketPrice"),
            [
                {
                    "skuId": INT,
                    "price": NUM,
                    "jdPrice": NUM,
                    "marketPrice": NUM,
                    "tax": NUM,
                    "taxPrice": NUM,
                    "nakedPrice": NUM,
                }
            ],
        ),
        "stock/getNewStockById": (
            lambda c: json.loads(
                c.ok(
                    "stock/getNewStockById",
                    skuNums=json.dumps([{"skuId": s, "num": 1} for s in skus]),
                    area=BEIJING_AREA,
                )
            ),
            [{"skuId": INT, "areaId": STR, "stockStateId": INT, "remainNum": INT}],
        ),
        "order/submitOrder": (lambda c: placed, {"jdOrderId": INT, **MONEY, "sku": [LINE]}),
        "order/selectJdOrderIdByThirdOrder": (
            lambda c: c.ok("order/selectJdOrderIdByThirdOrder", thirdOrder="T-types"),
            STR,
        ),
        "order/selectJdOrder (unfinished, not split)": (
            lambda c: c.ok("order/selectJdOrder", jdOrderId=reserved["jdOrderId"]),
            {**ORDER, "pOrder": INT, "finishTime": NULL},
        ),
        "order/selectJdOrder (split)": (
            lambda c: c.ok("order/selectJdOrder", jdOrderId=parent),
            {
                "pOrder": {**ORDER, "finishTime": NULL},
                "cOrder": [{**ORDER, "pOrder": INT, "finishTime": NULL}],
            },
        ),
        "order/selectJdOrder (child alone)": (
            lambda c: c.ok("order/selectJdOrder", jdOrderId=child["jdOrderId"]),
            {**ORDER, "pOrder": INT},
        ),
        "order/orderTrack": (
            lambda c: c.ok("order/orderTrack", jdOrderId=parent, waybillCode=1),
            {
                "orderTrack": [{"msgTime": STR, "content": STR, "operator": STR}],
                "waybillCode": [
                    {"orderId": STR, "parentId": STR, "carrier": STR, "deliveryOrderId": STR}
                ],
            },
        ),
        "order/getFreight": (
            lambda c: c.ok(
                "order/getFreight",
                sku=json.dumps([{"skuId": sku, "num": 1}]),
                paymentType=4,
                **BEIJING,
            ),
            {"freight": NUM, "baseFreight": NUM, "remoteRegionFreight": NUM, "remoteSku": STR},
        ),
        "order/checkNewOrder": (
            lambda c: c.ok("order/checkNewOrder", date=day, pageNo=1),
            {
                "total": INT,
                "totalPage": INT,
                "curPage": INT,
                "orders": [
                    {
                        "jdOrderId": INT,
                        "state": INT,
                        "hangUpState": INT,
                        "invoiceState": INT,
                        "orderPrice": NUM,
                        "time": STR,
                    }
                ],
            },
        ),
        "order/batchCheckCancel": (
            lambda c: c.ok("order/batchCheckCancel", jdOrderIds=parent),
            [{"jdOrderId": INT, "canCancel": BOOL}],
        ),
        "message/get": (
            lambda c: c.ok("message/get", type="1,5,12,25"),
            [{"id": INT, "type": INT, "time": STR, "result": {}}],
        ),
        "price/getUnionBalance": (
            lambda c: c.ok("price/getUnionBalance", type="1,2"),
            {
                "balance": {"pin": STR, "remainLimit": NUM},
                "geious": {"remainLimit": NUM, "creditLimit": NUM, "debtSumAmt": NUM},
            },
        ),
        "price/getBalanceDetail": (
            lambda c: c.ok("price/getBalanceDetail", pageNum=1, pageSize=10),
            {
                "total": INT,
                "pageNo": INT,
                "data": [
                    {
                        "id": INT,
                        "accountType": INT,
                        "amount": NUM,
                        "pin": STR,
                        "orderId": STR,
                        "tradeType": INT,
                        "tradeTypeName": STR,
                        "createdDate": STR,
                        "tradeNo": INT,
                    }
                ],
            },
        ),
        "afterSale/getAvailableNumberComp": (
            lambda c: c.ok("afterSale/getAvailableNumberComp", param=json.dumps(afs)),
            INT,
        ),
        "afterSale/getCustomerExpectComp": (
            lambda c: c.ok("afterSale/getCustomerExpectComp", param=json.dumps(afs)),
            [{"code": STR, "name": STR}],
        ),
        "afterSale/getWareReturnJdComp": (
            lambda c: c.ok("afterSale/getWareReturnJdComp", param=json.dumps(afs)),
            [{"code": STR, "name": STR}],
        ),
        "afterSale/createAfsApply": (lambda c: service, {"afsServiceId": INT}),
        "afterSale/getServiceListPage": (
            lambda c: c.ok(
                "afterSale/getServiceListPage",
                param=json.dumps({"jdOrderId": parent, "pageIndex": 1, "pageSize": 10}),
            ),
            {
                "totalNum": INT,
                "serviceInfoList": [
                    {
                        "afsServiceId": INT,
                        "customerExpect": INT,
                        "afsApplyTime": STR,
                        "orderId": INT,
                        "wareId": INT,
                        "afsServiceStep": INT,
                        "cancel": INT,
                    }
                ],
            },
        ),
    }


METHODS = [
    "area/getProvince",
    "area/getCity",
    "product/getPageNum",
    "product/getSkuByPage",
    "product/getDetail",
    "product/skuImage",
    "product/skuState",
    "product/check",
    "product/checkAreaLimit",
    "product/getCategorys",
    "search/search",
    "price/getSellPrice",
    "stock/getNewStockById",
    "order/submitOrder",
    "order/selectJdOrderIdByThirdOrder",
    "order/selectJdOrder (unfinished, not split)",
    "order/selectJdOrder (split)",
    "order/selectJdOrder (child alone)",
    "order/orderTrack",
    "order/getFreight",
    "order/checkNewOrder",
    "order/batchCheckCancel",
    "message/get",
    "price/getUnionBalance",
    "price/getBalanceDetail",
    "afterSale/getAvailableNumberComp",
    "afterSale/getCustomerExpectComp",
    "afterSale/getWareReturnJdComp",
    "afterSale/createAfsApply",
    "afterSale/getServiceListPage",
]


@pytest.mark.parametrize("method", METHODS)
def test_each_method_answers_the_types_jd_sends(world: Any, method: str) -> None:
    call, spec = calls(world)[method]
    conforms(call(world[0]), spec)


def test_a_finished_order_has_its_finish_time(world: Any) -> None:
    client, cancelled = world[0], world[-1]
    done = client.ok("order/selectJdOrder", jdOrderId=cancelled["jdOrderId"])
    conforms(done, {"orderState": INT, "finishTime": STR})
    assert done["orderState"] == 0


def test_the_type_checker_itself_refuses_the_old_shapes() -> None:
    for value, spec in [
        ({"finishTime": ""}, {"finishTime": NULL}),
        ({"orderId": 250000000001}, {"orderId": STR}),
        ({"tradeNo": "T2"}, {"tradeNo": INT}),
        ({"price": "12.30"}, {"price": NUM}),
        ({"aggregates": {}}, {"brandAggregate": {}}),
        ({"state": True}, {"state": INT}),
    ]:
        with pytest.raises(AssertionError):
            conforms(value, spec)
