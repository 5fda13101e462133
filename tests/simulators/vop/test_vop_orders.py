"""order/*: submit (reserve and direct), idempotency, refusals, confirm, cancel, split,
progression with messages, track, freight, balance."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vop_sim_harness import (
    BEIJING,
    SCHEDULE,
    RunningSimulator,
    VopClient,
    fen,
    order_form,
    sellable_skus,
)

from hive.simulators.vop.store import Store


def messages(client: VopClient, types: str) -> list[dict[str, Any]]:
    batch: list[dict[str, Any]] = client.ok("message/get", type=types)
    return batch


def test_reserve_mode_submit_then_confirm(private_vop: VopClient) -> None:
    skus = sellable_skus(private_vop, 2)
    body = private_vop.call("order/submitOrder", **order_form(skus, "T-reserve", submit_state=0))
    assert (body["success"], body["resultCode"]) == (True, "0001")
    result = body["result"]
    assert {"jdOrderId", "freight", "orderPrice", "orderNakedPrice", "orderTaxPrice", "sku"} <= set(
        result
    )
    assert [line["skuId"] for line in result["sku"]] == skus
    order = private_vop.ok("order/selectJdOrder", jdOrderId=result["jdOrderId"])
    assert (order["pOrder"], order["submitState"], order["jdOrderState"]) == (0, 0, 1)
    confirmed = private_vop.call("order/confirmOrder", jdOrderId=result["jdOrderId"])
    assert (confirmed["success"], confirmed["resultCode"]) == (True, "0003")
    again = private_vop.call("order/confirmOrder", jdOrderId=result["jdOrderId"])
    assert again["resultCode"] == "3103"
    assert private_vop.ok("order/selectJdOrder", jdOrderId=result["jdOrderId"])["submitState"] == 1
    assert private_vop.call("order/confirmOrder", jdOrderId=1)["resultCode"] == "3401"


def test_duplicate_third_order_returns_the_first_order(private_vop: VopClient) -> None:
    skus = sellable_skus(private_vop, 1)
    first = private_vop.ok("order/submitOrder", **order_form(skus, "T-dup"))
    again = private_vop.call("order/submitOrder", **order_form(skus, "T-dup"))
    assert (again["success"], again["resultCode"]) == (False, "0008")
    assert again["result"]["jdOrderId"] == first["jdOrderId"]
    found = private_vop.ok("order/selectJdOrderIdByThirdOrder", thirdOrder="T-dup")
    assert found == str(first["jdOrderId"])
    missing = private_vop.call("order/selectJdOrderIdByThirdOrder", thirdOrder="T-none")
    assert missing["resultCode"] == "3401"


def test_price_snapshot_must_match(private_vop: VopClient) -> None:
    sku = sellable_skus(private_vop, 1)[0]
    price = private_vop.ok("price/getSellPrice", sku=sku)[0]["price"]
    wrong = json.dumps([{"skuId": sku, "price": "0.01"}])
    stale = private_vop.call(
        "order/submitOrder",
        **order_form([sku], "T-snap-1", doOrderPriceMode=1, orderPriceSnap=wrong),
    )
    assert stale["resultCode"] == "3007"
    right = json.dumps([{"skuId": sku, "price": price}])
    placed = private_vop.call(
        "order/submitOrder",
        **order_form([sku], "T-snap-2", doOrderPriceMode=1, orderPriceSnap=right),
    )
    assert placed["resultCode"] == "0001"


def test_balance_insufficient_answers_3017(start_sim: Callable[..., RunningSimulator]) -> None:
    client = start_sim(initial_balance_fen=100).client()
    body = client.call("order/submitOrder", **order_form(sellable_skus(client, 1), "T-poor"))
    assert (body["success"], body["resultCode"]) == (False, "3017")
    assert client.ok("price/getUnionBalance", pin="hive", type="1")["balance"]["remainLimit"] == 1


def test_out_of_stock_and_restricted_area_refused(private_vop: VopClient) -> None:
    ids = private_vop.ok("product/getSkuByPage", pageNum="70004", pageNo=1)["skuIds"][:100]
    nums = json.dumps([{"skuId": s, "num": 1} for s in ids])
    rows = json.loads(private_vop.ok("stock/getNewStockById", skuNums=nums, area="1_72_2799_0"))
    states = {r["skuId"]: r["stockStateId"] for r in rows}
    on_shelf = {
        r["sku"]
        for r in private_vop.ok("product/skuState", sku=",".join(map(str, ids)))
        if r["state"]
    }
    none = next(s for s, state in states.items() if state == 34 and s in on_shelf)
    assert private_vop.call("order/submitOrder", **order_form([none], "T-none"))["resultCode"] == (
        "3008"
    )
    sku = sellable_skus(private_vop, 1)[0]
    taipei = private_vop.ok("area/getCity", id=32)["台北市"]
    county = next(iter(private_vop.ok("area/getCounty", id=taipei).values()))
    towns = private_vop.call("area/getTown", id=county)
    town = next(iter(towns["result"].values())) if towns["success"] else 0
    form = order_form([sku], "T-closed", province=32, city=taipei, county=county, town=town)
    assert private_vop.call("order/submitOrder", **form)["resultCode"] == "3009"
    assert (
        private_vop.call("order/submitOrder", **order_form([sku], "T-bad", county=1))["resultCode"]
        == "3405"
    )


def test_bad_submit_input_answers_1001(private_vop: VopClient) -> None:
    sku = sellable_skus(private_vop, 1)[0]
    form = order_form([sku], "T-missing")
    del form["mobile"]
    assert private_vop.call("order/submitOrder", **form)["resultCode"] == "1001"
    broken = order_form([sku], "T-json", sku="[{not json")
    assert private_vop.call("order/submitOrder", **broken)["resultCode"] == "1001"
    zero = order_form([sku], "T-zero", sku=json.dumps([{"skuId": sku, "num": 0}]))
    assert private_vop.call("order/submitOrder", **zero)["resultCode"] == "1001"
    assert (
        private_vop.call("order/submitOrder", **order_form([sku], "T-st", submitState=7))[
            "resultCode"
        ]
        == "1001"
    )


def test_split_ship_deliver_complete_with_messages_and_track(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    client = start_sim(orders=SCHEDULE).client()
    skus = sellable_skus(client, 2, distinct_warehouses=True)
    placed = client.ok("order/submitOrder", **order_form(skus, "T-split"))
    parent = placed["jdOrderId"]
    before = client.ok("order/selectJdOrder", jdOrderId=parent)
    assert before["pOrder"] == 0 and len(before["sku"]) == 2
    client.advance(10)
    after = client.ok("order/selectJdOrder", jdOrderId=parent)
    assert after["pOrder"]["jdOrderId"] == parent
    children = [c["jdOrderId"] for c in after["cOrder"]]
    assert len(children) == 2 and all(c["pOrder"] == parent for c in after["cOrder"])
    freight = sum(fen(c["freight"]) for c in after["cOrder"])
    assert freight == fen(placed["freight"])
    assert [m["result"] for m in messages(client, "1")] == [{"pOrder": parent}]
    assert client.call("order/confirmOrder", jdOrderId=children[0])["resultCode"] == "3104"
    client.advance(10)
    assert client.call("order/cancel", jdOrderId=parent)["resultCode"] == "3204"
    client.advance(10)
    shipped = messages(client, "12")
    assert sorted(m["result"]["orderId"] for m in shipped) == sorted(children)
    track = client.ok("order/orderTrack", jdOrderId=parent, waybillCode=1)
    assert len(track["waybillCode"]) == 2 and track["orderTrack"]
    assert {w["parentId"] for w in track["waybillCode"]} == {str(parent)}  # strings, as JD sends
    client.advance(20)
    assert sorted(m["result"]["orderId"] for m in messages(client, "5")) == sorted(children)
    assert sorted(m["result"]["orderId"] for m in messages(client, "31")) == sorted(children)
    done = client.ok("order/selectJdOrder", jdOrderId=children[0])
    assert (done["jdOrderState"], done["state"]) == (19, 1)
    day = client.http.get("/admin/state").json()["now"][:10]
    delivered = client.ok("order/checkDlokOrder", date=day, pageNo=1)
    assert sorted(o["jdOrderId"] for o in delivered["orders"]) == sorted(children)
    assert client.ok("order/checkRefuseOrder", date=day, pageNo=1)["total"] == 0
    assert client.call("order/checkDlokOrder", date="yesterday")["resultCode"] == "1001"


def test_cancel_refunds_and_auto_cancel_times_out(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    client = start_sim(orders=SCHEDULE).client()
    balance = client.ok("price/getUnionBalance", type="1")["balance"]["remainLimit"]
    skus = sellable_skus(client, 2)
    first = client.ok("order/submitOrder", **order_form(skus[:1], "T-c1", submit_state=0))
    second = client.ok("order/submitOrder", **order_form(skus[1:], "T-c2", submit_state=0))
    assert client.ok("order/cancel", jdOrderId=first["jdOrderId"]) is True
    assert client.call("order/cancel", jdOrderId=first["jdOrderId"])["resultCode"] == "3105"
    assert [m["result"]["orderId"] for m in messages(client, "10")] == [first["jdOrderId"]]
    client.advance(100)
    assert [m["result"]["orderId"] for m in messages(client, "15")] == [second["jdOrderId"]]
    cancelled = client.ok("order/selectJdOrder", jdOrderId=second["jdOrderId"])
    assert cancelled["orderState"] == 0
    assert client.ok("price/getUnionBalance", type="1")["balance"]["remainLimit"] == balance
    detail = client.ok("price/getBalanceDetail", pageNum=1, pageSize=20)
    assert detail["total"] == 4
    assert sum(fen(r["amount"]) for r in detail["data"]) == 0
    one = client.ok("price/getBalanceDetail", pageNum=1, pageSize=20, orderId=first["jdOrderId"])
    assert one["total"] == 2


def test_freight_and_new_order_list(private_vop: VopClient) -> None:
    sku = sellable_skus(private_vop, 1)[0]
    lines = json.dumps([{"skuId": sku, "num": 1}])
    freight = private_vop.ok("order/getFreight", sku=lines, paymentType=4, **BEIJING)
    assert {"freight", "baseFreight", "remoteRegionFreight", "remoteSku"} <= set(freight)
    placed = private_vop.ok("order/submitOrder", **order_form([sku], "T-freight"))
    assert placed["freight"] == freight["freight"]
    state = private_vop.http.get("/admin/state").json()
    listed = private_vop.ok("order/checkNewOrder", date=state["now"][:10], pageNo=1)
    assert [o["jdOrderId"] for o in listed["orders"]] == [placed["jdOrderId"]]
    check = private_vop.ok("order/batchCheckCancel", jdOrderIds=placed["jdOrderId"])
    assert check == [{"jdOrderId": placed["jdOrderId"], "canCancel": True}]


def test_orders_survive_a_restart(
    start_sim: Callable[..., RunningSimulator], tmp_path: Any
) -> None:
    first = start_sim(data_dir=tmp_path / "state")
    client = first.client()
    placed = client.ok("order/submitOrder", **order_form(sellable_skus(client, 1), "T-restart"))
    token = client.token
    first.__exit__(None, None, None)
    second = start_sim(data_dir=tmp_path / "state").client()
    second._token = token
    order = second.ok("order/selectJdOrder", jdOrderId=placed["jdOrderId"])
    assert order["jdOrderId"] == placed["jdOrderId"]
    assert second.ok("order/selectJdOrderIdByThirdOrder", thirdOrder="T-restart") == str(
        placed["jdOrderId"]
    )


def test_older_state_files_gain_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE orders (jd_order_id INTEGER PRIMARY KEY, third_order TEXT UNIQUE, "
            "parent_id INTEGER NOT NULL, due_at REAL, data TEXT NOT NULL)"
        )
    store = Store(path)
    columns = {row[1] for row in store.query("PRAGMA table_info(orders)")}
    store.close()
    assert {"created_at", "delivered_at"} <= columns
