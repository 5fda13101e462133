"""Every method answers garbage with the envelope (HTTP 200, a failure code), never HTTP 500."""

from __future__ import annotations

import itertools

from vop_sim_harness import VopClient

from hive.simulators.vop.routes.registry import METHODS, PUBLIC_METHODS

FIELDS = (
    "sku",
    "skuIds",
    "skuId",
    "skuNums",
    "area",
    "id",
    "jdOrderId",
    "jdOrderIds",
    "thirdOrder",
    "pageNum",
    "pageNo",
    "pageIndex",
    "pageSize",
    "Keyword",
    "catId",
    "Brands",
    "Min",
    "Max",
    "sortType",
    "type",
    "param",
    "afsApply",
    "province",
    "city",
    "county",
    "town",
    "cid",
    "provinceId",
    "cityId",
    "countyId",
    "townId",
    "date",
    "orderPriceSnap",
    "doOrderPriceMode",
    "refresh_token",
    "client_id",
    "client_secret",
    "timestamp",
    "sign",
    "grant_type",
)
GARBAGE = (
    "",
    "x",
    "-1",
    "[{",
    "{}",
    "[]",
    "99999999999999999999999",
    "1,,2",
    "null",
    "测试",
    '[{"skuId": [1], "num": {}}]',
    '[{"skuId": 99999999999999999999999, "num": 1}]',
    '{"jdOrderId": 1e30, "asDetailDto": 5, "serviceIdList": [true]}',
    '{"afsServiceId": "1"}',
)


def test_garbage_never_answers_500(private_vop: VopClient) -> None:
    token = private_vop.token
    for method, value in itertools.product([*METHODS, *PUBLIC_METHODS], GARBAGE):
        path = f"/{method}" if method.startswith("oauth2/") else f"/api/{method}"
        data = {"token": token, **dict.fromkeys(FIELDS, value)}
        response = private_vop.http.post(path, data=data)
        assert response.status_code == 200, (method, value, response.text)
        body = response.json()
        assert set(body) == {"success", "resultCode", "resultMessage", "result"}
        assert body["resultCode"] != "5001", (method, value, body)
