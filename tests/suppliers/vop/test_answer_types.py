"""Each adapter method reads JD's own JSON types (answers recorded in the shapes JD sends) and
refuses an answer whose fields have other types as ``supplier_invalid_answer``.

The token comes from the simulator; the business answer is replaced by the case's own.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hive.platform.db import Database
from hive.suppliers.errors import InvalidSupplierAnswer
from hive.suppliers.types import (
    Area,
    MessageType,
    OrderLine,
    OrderTrack,
    SearchQuery,
    TrackEvent,
    Waybill,
)
from hive.suppliers.vop.adapter import VopAdapter
from hive.suppliers.vop.transport import Envelope
from tests.support.vop import AdapterKit, Simulator, register_vop

AREA = Area(1, 72, 2799, 0)
SKU = 100012
ORDER = 250000000001


class Recorded:
    """Answers every business call with the envelope given for its path."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers

    async def post(self, path: str, fields: Mapping[str, str]) -> Envelope:
        return Envelope(True, "0000", "", self.answers[path.removeprefix("api/")])


def order(**changes: Any) -> dict[str, Any]:
    line = {"skuId": SKU, "num": 1, "category": 655, "price": 88.5, "name": "手机", "tax": 13}
    return {
        "pOrder": 0,
        "orderState": 1,
        "jdOrderId": ORDER,
        "state": 0,
        "submitState": 1,
        "type": 1,
        "jdOrderState": 8,
        "finishTime": None,
        "freight": 8,
        "orderPrice": 88.5,
        "sku": [line],
        **changes,
    }


SEARCH = {
    "resultCount": 1,
    "pageIndex": 1,
    "pageSize": 20,
    "pageCount": 1,
    "hitResult": [{"wareId": str(SKU), "wareName": "手机", "brand": "华为", "catId": "655"}],
    "brandAggregate": {"pinyinAggr": ["H"], "brandList": [{"id": "8557", "name": "华为"}]},
    "categoryAggregate": {"thridCategory": [{"catId": 655, "name": "手机", "count": 1}]},
    "priceIntervalAggregate": [{"min": 0, "max": 50.5}],
}
TRACK = {
    "orderTrack": [{"msgTime": "2025-03-01 16:00:00", "content": "出库", "operator": "系统"}],
    "waybillCode": [
        {"orderId": str(ORDER), "parentId": "0", "carrier": "京东快递", "deliveryOrderId": "JD1"}
    ],
}
Call = Callable[[VopAdapter], Awaitable[Any]]
# method: (the call, the path it asks, a good answer in JD's types, answers that are not)
CASES: dict[str, tuple[Call, str, Any, list[Any]]] = {
    "search": (
        lambda a: a.search(SearchQuery(keyword="手机")),
        "search/search",
        SEARCH,
        [
            {**SEARCH, "resultCount": "many"},
            {**SEARCH, "brandAggregate": "华为"},
            {**SEARCH, "priceIntervalAggregate": [{"min": "low", "max": 1}]},
            {**SEARCH, "categoryAggregate": {"thridCategory": [{"catId": "手机"}]}},
        ],
    ),
    "prices": (
        lambda a: a.prices([str(SKU)]),
        "price/getSellPrice",
        [{"skuId": SKU, "price": 88.5, "jdPrice": 99, "tax": 13, "nakedPrice": 78.32}],
        [
            [{"skuId": SKU, "price": "cheap", "jdPrice": 99}],
            [{"skuId": "x", "price": 1, "jdPrice": 2}],
        ],
    ),
    "stock": (
        lambda a: a.stock([(str(SKU), 1)], AREA),
        "stock/getNewStockById",
        json.dumps([{"skuId": SKU, "areaId": "1_72_2799_0", "stockStateId": 33, "remainNum": -1}]),
        [json.dumps([{"skuId": SKU, "stockStateId": "lots"}]), json.dumps({"skuId": SKU})],
    ),
    "shelf_states": (
        lambda a: a.shelf_states([str(SKU)]),
        "product/skuState",
        [{"sku": SKU, "state": 1}],
        [[{"sku": SKU, "state": "on"}], {"sku": SKU}],
    ),
    "sale_checks": (
        lambda a: a.sale_checks([str(SKU)]),
        "product/check",
        [{"skuId": SKU, "saleState": 1, "isCanVAT": 1, "is7ToReturn": 1}],
        [[{"skuId": SKU, "saleState": "yes"}]],
    ),
    "area_limits": (
        lambda a: a.area_limits([str(SKU)], AREA),
        "product/checkAreaLimit",
        json.dumps([{"skuId": SKU, "isAreaRestrict": False}]),
        [json.dumps([{"skuId": SKU, "isAreaRestrict": "maybe"}])],
    ),
    "images": (
        lambda a: a.images([str(SKU)]),
        "product/skuImage",
        {str(SKU): [{"skuId": SKU, "path": "jfs/t1/a.jpg", "isPrimary": 1}]},
        [[{"path": "jfs/t1/a.jpg"}], "jfs/t1/a.jpg"],
    ),
    "order_detail": (
        lambda a: a.order_detail(str(ORDER)),
        "order/selectJdOrder",
        order(),
        [order(orderPrice="a lot"), order(pOrder="parent"), order(jdOrderId=None)],
    ),
    "track": (
        lambda a: a.track(str(ORDER)),
        "order/orderTrack",
        TRACK,
        [
            {**TRACK, "waybillCode": [{"orderId": None, "deliveryOrderId": "JD1"}]},
            {**TRACK, "orderTrack": [{"msgTime": 20250301, "content": "出库"}]},
        ],
    ),
    "freight": (
        lambda a: a.freight([OrderLine(str(SKU), 1, 8850)], AREA),
        "order/getFreight",
        {"freight": 8, "baseFreight": 8, "remoteRegionFreight": 0, "remoteSku": ""},
        [{"freight": "free"}, {"freight": -8}],
    ),
    "balance": (
        lambda a: a.balance(),
        "price/getUnionBalance",
        {"balance": {"pin": "hive", "remainLimit": 10000000.25}},
        [{"balance": {"remainLimit": "rich"}}, {"balance": {"remainLimit": 1e309}}],
    ),
    "fetch_messages": (
        lambda a: a.fetch_messages([MessageType.PRICE_CHANGED]),
        "message/get",
        [{"id": 1, "type": 2, "time": "2025-03-01 16:00:00", "result": {"skuId": SKU}}],
        [{"id": 1, "type": 2}, "[broken"],
    ),
    "child_areas": (
        lambda a: a.child_areas(1, 2),
        "area/getCity",
        {"朝阳区": 72, "海淀区": 2800},
        [{"朝阳区": "seventy-two"}, ["朝阳区"]],
    ),
    "categories": (
        lambda a: a.categories(),
        "product/getCategorys",
        {
            "totalRows": 1,
            "categorys": [{"catId": 655, "parentId": 653, "name": "手机", "catClass": 2}],
        },
        [
            {"totalRows": 1, "categorys": [{"catId": 655, "name": "手机", "catClass": 7}]},
            {"totalRows": "one", "categorys": []},
        ],
    ),
    "after_sale_cases": (
        lambda a: a.after_sale_cases(str(ORDER)),
        "afterSale/getServiceListPage",
        {
            "totalNum": 1,
            "serviceInfoList": [
                {
                    "afsServiceId": 880000001,
                    "customerExpect": 10,
                    "orderId": ORDER,
                    "wareId": SKU,
                    "afsServiceStep": 21,
                }
            ],
        },
        [
            {"serviceInfoList": [{"afsServiceId": "x", "orderId": ORDER, "afsServiceStep": 21}]},
            {"serviceInfoList": [{"afsServiceId": 1, "orderId": ORDER, "afsServiceStep": 99}]},
            {"serviceInfoList": "none"},
        ],
    ),
}


@pytest.fixture
async def adapter(kit: AdapterKit, database: Database, simulator: Simulator) -> VopAdapter:
    return await kit.adapter(await register_vop(database, simulator))


@pytest.mark.parametrize("method", sorted(CASES))
async def test_each_method_reads_jd_types_and_refuses_others(
    adapter: VopAdapter, method: str
) -> None:
    call, path, good, bad = CASES[method]
    adapter._transport = Recorded({path: good})  # type: ignore[assignment]
    assert await call(adapter)
    for answer in bad:
        adapter._transport = Recorded({path: answer})  # type: ignore[assignment]
        with pytest.raises(InvalidSupplierAnswer) as refused:
            await call(adapter)
        assert refused.value.code == "supplier_invalid_answer", answer


async def test_jd_types_are_mapped_to_ours(adapter: VopAdapter) -> None:
    adapter._transport = Recorded(  # type: ignore[assignment]
        {"search/search": SEARCH, "order/selectJdOrder": order(), "order/orderTrack": TRACK}
    )
    result = await adapter.search(SearchQuery(keyword="手机"))
    assert [(b.value, b.label, b.count) for b in result.brands] == [("8557", "华为", 0)]
    assert [(c.value, c.count) for c in result.categories] == [("655", 1)]
    assert [b.value for b in result.price_bands] == ["0.00-50.50"]
    detail = await adapter.order_detail(str(ORDER))
    assert (detail.total_fen, detail.freight_fen, detail.parent_id) == (9650, 800, None)
    track = await adapter.track(str(ORDER))
    assert track == OrderTrack(
        str(ORDER),
        (TrackEvent(datetime(2025, 3, 1, 8, 0, tzinfo=UTC), "出库", "系统"),),  # 16:00 in Beijing
        (Waybill("京东快递", "JD1", str(ORDER)),),
    )
    assert track.events[0].at.utcoffset() == timedelta(0)


async def test_images_put_the_primary_one_first_then_the_suppliers_order(
    adapter: VopAdapter,
) -> None:
    answer = {
        str(SKU): [
            {"skuId": SKU, "path": "b.jpg", "isPrimary": 0, "orderSort": 2},
            {"skuId": SKU, "path": "c.jpg", "isPrimary": 0, "orderSort": 1},
            {"skuId": SKU, "path": "a.jpg", "isPrimary": 1, "orderSort": 3},
        ]
    }
    adapter._transport = Recorded({"product/skuImage": answer})  # type: ignore[assignment]
    assert await adapter.images([str(SKU)]) == {str(SKU): ["a.jpg", "c.jpg", "b.jpg"]}
