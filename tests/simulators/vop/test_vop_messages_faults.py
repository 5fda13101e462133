"""message/get + message/del (at-least-once), faults on demand, and bad input handling."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from vop_sim_harness import RunningSimulator, VopClient, order_form, sellable_skus


def test_messages_come_back_until_deleted(private_vop: VopClient) -> None:
    skus = sellable_skus(private_vop, 2)
    for n, sku in enumerate(skus):
        private_vop.ok("order/submitOrder", **order_form([sku], f"T-msg-{n}"))
    first = private_vop.ok("message/get", type="25")
    assert [m["type"] for m in first] == [25, 25]
    assert {"id", "type", "time", "result"} == set(first[0])
    assert first[0]["result"]["pin"] == "hive"
    assert private_vop.ok("message/get", type="25") == first
    assert private_vop.ok("message/get", type="1,2") == []
    assert private_vop.ok("message/del", id=first[0]["id"]) is True
    assert private_vop.ok("message/get", type="25") == first[1:]
    assert private_vop.call("message/get", type="a,b")["resultCode"] == "1001"
    assert private_vop.call("message/del", id="")["resultCode"] == "1001"


def test_duplicated_and_reordered_messages_on_demand(private_vop: VopClient) -> None:
    skus = sellable_skus(private_vop, 3)
    for n, sku in enumerate(skus):
        private_vop.ok("order/submitOrder", **order_form([sku], f"T-dup-msg-{n}"))
    private_vop.faults(duplicate_message_rate=1.0)
    doubled = private_vop.ok("message/get", type="25")
    assert len(doubled) == 6 and len({m["id"] for m in doubled}) == 3
    private_vop.faults(duplicate_message_rate=0.0, reorder_messages=True)
    orders = {tuple(m["id"] for m in private_vop.ok("message/get", type="25")) for _ in range(20)}
    assert len(orders) > 1
    assert all(sorted(ids) == sorted(next(iter(orders))) for ids in orders)


def test_5001_rate_and_qps_limit(private_vop: VopClient) -> None:
    assert private_vop.token  # the token endpoint fails under the fault too
    private_vop.faults(error_5001_rate=1.0)
    assert private_vop.call("area/getProvince")["resultCode"] == "5001"
    private_vop.faults(error_5001_rate=0.0, qps_limits={"area/getProvince": 2})
    codes = [private_vop.call("area/getProvince")["resultCode"] for _ in range(6)]
    assert "1010" in codes and codes[0] == "0000"
    assert private_vop.call("area/getCity", id=1)["success"]


def test_latency_is_added(private_vop: VopClient) -> None:
    private_vop.faults(latency_ms=200, latency_distribution="fixed")
    started = time.perf_counter()
    assert private_vop.call("area/getProvince")["success"]
    assert time.perf_counter() - started >= 0.2


def test_timeout_still_places_the_order(private_vop: VopClient) -> None:
    sku = sellable_skus(private_vop, 1)[0]
    private_vop.faults(timeout_rate=1.0, timeout_hold_s=1.0)
    data = {
        "token": private_vop.token,
        **{k: str(v) for k, v in order_form([sku], "T-lost").items()},
    }
    with pytest.raises(httpx.ReadTimeout):
        private_vop.http.post("/api/order/submitOrder", data=data, timeout=0.3)
    private_vop.faults(timeout_rate=0.0)
    # The client gave up after 0.3 s; on a loaded machine the server may still be placing it.
    deadline = time.monotonic() + 30
    while True:
        found = private_vop.call("order/selectJdOrderIdByThirdOrder", thirdOrder="T-lost")
        if found["success"]:
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    assert str(found["result"]).isdigit()


def test_bad_input_never_answers_500(private_vop: VopClient) -> None:
    token = private_vop.token
    unknown = private_vop.http.post("/api/nothing/here", data={"token": token})
    assert unknown.status_code == 404 and unknown.json()["success"] is False
    binary = private_vop.http.post(
        "/api/area/getCity",
        content=b"token=" + token.encode() + b"&id=\xff\xfe",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert binary.status_code == 200 and binary.json()["resultCode"] == "1001"
    for method, fields in (
        ("product/getDetail", {}),
        ("price/getSellPrice", {"sku": "1,,x"}),
        ("search/search", {"pageIndex": "-1"}),
        ("order/selectJdOrder", {"jdOrderId": "abc"}),
        ("order/orderTrack", {}),
        ("stock/getNewStockById", {"skuNums": "[]", "area": "1_72_2799_0"}),
    ):
        body = private_vop.call(method, **fields)
        assert body["success"] is False and body["resultCode"] == "1001", (method, body)
    assert private_vop.http.post("/admin/faults", json={"timeout_rate": 7}).status_code == 400


def test_clock_control_is_refused_without_manual_clock(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    client = start_sim(manual_clock=False).client()
    refused = client.http.post("/admin/clock/advance", json={"seconds": 10})
    assert refused.status_code == 403


def test_dropped_messages_come_back_later(private_vop: VopClient) -> None:
    skus = sellable_skus(private_vop, 4)
    for n, sku in enumerate(skus):
        private_vop.ok("order/submitOrder", **order_form([sku], f"T-drop-{n}"))
    private_vop.faults(drop_message_rate=0.5)
    seen: set[int] = set()
    sizes = []
    for _ in range(30):
        batch = private_vop.ok("message/get", type="25")
        sizes.append(len(batch))
        seen.update(m["id"] for m in batch)
    assert min(sizes) < 4 and len(seen) == 4


@pytest.mark.parametrize(
    "body",
    [
        b'{"latency_ms": 1e309}',
        b'{"latency_ms": NaN}',
        b'{"timeout_hold_s": -Infinity}',
        b'{"latency_ms": 600001}',
        b'{"qps_limits": {"search/search": 1e309}}',
        b'{"qps_limits": {"search/search": 0}}',
    ],
)
def test_fault_settings_refuse_numbers_that_are_not_finite_or_out_of_range(
    private_vop: VopClient, body: bytes
) -> None:
    refused = private_vop.http.post(
        "/admin/faults", content=body, headers={"content-type": "application/json"}
    )
    assert refused.status_code == 400
    assert private_vop.call("area/getProvince")["success"]  # nothing was kept
    assert private_vop.http.get("/admin/state").json()["faults"]["latency_ms"] == 0.0
