"""Drift: prices, stock, shelf, pool, info and tax change on the clock, with messages."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vop_sim_harness import RunningSimulator, VopClient, fen

from hive.simulators.vop.catalog import Catalog
from hive.simulators.vop.categories import build_tree


def drifted(start_sim: Callable[..., RunningSimulator]) -> tuple[VopClient, list[dict[str, Any]]]:
    client = start_sim(drift_interval_s=60, drift_fraction=0.0001, drift_max_per_tick=300).client()
    assert client.ok("message/get", type="2,4,6,16,100") == []
    client.advance(60)
    batch = client.ok("message/get", type="2,4,6,16,100")
    return client, batch


def test_drift_emits_all_change_types(start_sim: Callable[..., RunningSimulator]) -> None:
    _, batch = drifted(start_sim)
    assert {m["type"] for m in batch} == {2, 4, 6, 16, 100}
    assert all("skuId" in m["result"] for m in batch)


def test_drifted_price_is_stable_and_differs_from_base(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    client, batch = drifted(start_sim)
    catalog = Catalog(build_tree(), client.config.seed, client.config.min_sku_count)
    sku = next(m["result"]["skuId"] for m in batch if m["type"] == 2)
    first = client.ok("price/getSellPrice", sku=sku)[0]
    assert fen(first["jdPrice"]) != catalog.jd_price(sku)
    assert client.ok("price/getSellPrice", sku=sku)[0] == first


def test_shelf_and_pool_messages_match_the_api(start_sim: Callable[..., RunningSimulator]) -> None:
    client, batch = drifted(start_sim)
    shelf = next(m["result"] for m in batch if m["type"] == 4)
    state = client.ok("product/skuState", sku=shelf["skuId"])
    assert state == [{"sku": shelf["skuId"], "state": shelf["state"]}]
    removed = [m["result"] for m in batch if m["type"] == 6 and m["result"]["state"] == 2]
    added = [m["result"] for m in batch if m["type"] == 6 and m["result"]["state"] == 1]
    for change in removed:
        assert client.call("product/getDetail", sku=change["skuId"])["resultCode"] == "2004"
    for change in added:
        assert client.call("product/getDetail", sku=change["skuId"])["success"]
        page = client.ok("product/getPageNum")
        assert change["page_num"] in {p["page_num"] for p in page}


def test_drift_waits_for_the_interval(start_sim: Callable[..., RunningSimulator]) -> None:
    client = start_sim(drift_interval_s=3600, drift_fraction=0.0001).client()
    epoch = client.http.get("/admin/state").json()["epoch"]
    client.advance(3600 - epoch % 3600 - 0.5)  # just before the next interval boundary
    assert client.ok("message/get", type="2,4,6,16,100") == []
    client.advance(1)
    assert client.ok("message/get", type="2,4,6,16,100")


def test_same_seed_and_start_drift_identically(
    start_sim: Callable[..., RunningSimulator], tmp_path: Path
) -> None:
    settings = {
        "drift_interval_s": 60,
        "drift_fraction": 0.00001,
        "clock_start": 1_717_200_000,
        "message_batch_size": 1000,
    }
    batches = []
    for name in ("a", "b"):
        client = start_sim(data_dir=tmp_path / name, **settings).client()
        client.advance(180)
        batches.append(
            [(m["type"], m["result"]) for m in client.ok("message/get", type="2,4,6,16,100")]
        )
    assert batches[0] == batches[1] and len(batches[0]) > 100


def test_drifted_state_survives_a_restart(
    start_sim: Callable[..., RunningSimulator], tmp_path: Path
) -> None:
    settings = {"drift_interval_s": 60, "drift_fraction": 0.0001}
    first = start_sim(data_dir=tmp_path / "s", **settings)
    client = first.client()
    client.advance(60)
    sku = next(m["result"]["skuId"] for m in client.ok("message/get", type="2"))
    price = client.ok("price/getSellPrice", sku=sku)
    token = client.token
    first.__exit__(None, None, None)
    again = start_sim(data_dir=tmp_path / "s", **settings).client()
    again._token = token
    assert again.ok("price/getSellPrice", sku=sku) == price


def test_real_clock_drifts_in_the_background(start_sim: Callable[..., RunningSimulator]) -> None:
    client = start_sim(
        manual_clock=False, drift_interval_s=0.2, drift_fraction=0.00001, tick_interval_s=0.05
    ).client()
    deadline = time.monotonic() + 60
    batch: list[dict[str, Any]] = []
    while not batch and time.monotonic() < deadline:  # poll with a deadline, as STYLE says
        batch = client.ok("message/get", type="2,4,6,16,100")
        time.sleep(0.05)
    assert batch
