"""price/getSellPrice and stock/getNewStockById."""

from __future__ import annotations

import json

from vop_sim_harness import VopClient, fen

from hive.simulators.vop.catalog import SKU_BASE

STATE_IDS = {33, 39, 40, 36, 34, 99}


def pool_skus(vop: VopClient, count: int, page: int = 1) -> list[int]:
    return [int(s) for s in vop.ok("product/getSkuByPage", pageNum="70010", pageNo=page)["skuIds"]][
        :count
    ]


def test_sell_price_fields_and_relations(vop: VopClient) -> None:
    skus = pool_skus(vop, 20)
    rows = vop.ok("price/getSellPrice", sku=",".join(map(str, skus)), queryExts="")
    assert [r["skuId"] for r in rows] == skus
    for row in rows:
        price, jd, market = (fen(row[k]) for k in ("price", "jdPrice", "marketPrice"))
        assert 0 < price < jd < market
        assert fen(row["nakedPrice"]) + fen(row["taxPrice"]) == price
        assert row["tax"] in (9, 13)


def test_sell_price_refuses_sku_outside_pool(vop: VopClient) -> None:
    assert vop.call("price/getSellPrice", sku=f"{SKU_BASE - 1}")["resultCode"] == "2004"
    assert vop.call("price/getSellPrice", sku="")["resultCode"] == "1001"


def test_stock_is_a_json_string_with_all_states(vop: VopClient) -> None:
    seen: set[int] = set()
    remain_unknown = False
    for page in range(1, 4):
        skus = pool_skus(vop, 100, page)
        sku_nums = json.dumps([{"skuId": s, "num": 1} for s in skus])
        raw = vop.ok("stock/getNewStockById", skuNums=sku_nums, area="1_72_2799_0")
        assert isinstance(raw, str)
        rows = json.loads(raw)
        assert {"skuId", "areaId", "stockStateId", "stockStateDesc", "remainNum"} <= set(rows[0])
        assert rows[0]["areaId"] == "1_72_2799_0"
        seen.update(r["stockStateId"] for r in rows)
        remain_unknown |= any(r["remainNum"] == -1 for r in rows)
    assert seen == STATE_IDS
    assert remain_unknown


def test_stock_refuses_bad_area_and_bad_json(vop: VopClient) -> None:
    sku_nums = json.dumps([{"skuId": pool_skus(vop, 1)[0], "num": 1}])
    assert vop.call("stock/getNewStockById", skuNums=sku_nums, area="1_2_3_4")["resultCode"] == (
        "3405"
    )
    bad = vop.call("stock/getNewStockById", skuNums="[{oops", area="1_72_2799_0")
    assert bad["resultCode"] == "1001"
    wrong_type = vop.call("stock/getNewStockById", skuNums='{"skuId": 1}', area="1_72_2799_0")
    assert wrong_type["resultCode"] == "1001"
