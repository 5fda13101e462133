"""The synthetic catalogue: huge, deterministic, and served by product/*."""

from __future__ import annotations

import json

from vop_sim_harness import VopClient

from hive.simulators.vop.catalog import SKU_BASE, Catalog
from hive.simulators.vop.categories import build_tree

DEFAULT_SEED = 20240601


def catalog(seed: int = DEFAULT_SEED) -> Catalog:
    return Catalog(build_tree(), seed, 20_000_000)


def in_pool_sku(vop: VopClient) -> int:
    page = vop.ok("product/getSkuByPage", pageNum="70000", pageNo=1)
    return int(page["skuIds"][0])


def test_catalogue_holds_at_least_20_million_skus() -> None:
    assert catalog().size >= 20_000_000


def test_attributes_are_pure_functions_of_id_and_seed() -> None:
    a, b, other = catalog(), catalog(), catalog(seed=7)
    sku = SKU_BASE + 12_345_678
    assert a.name(sku) == b.name(sku)
    assert a.jd_price(sku) == b.jd_price(sku)
    assert a.images(sku) == b.images(sku)
    assert a.jd_price(sku) != other.jd_price(sku) or a.images(sku) != other.images(sku)


def test_slots_round_trip_for_ids_across_the_range() -> None:
    c = catalog()
    for sku in (SKU_BASE, SKU_BASE + 1, SKU_BASE + c.size // 2, SKU_BASE + c.size - 1):
        assert c.sku_of(c.slots(sku)) == sku
    assert not c.exists(SKU_BASE + c.size)
    assert not c.exists(SKU_BASE - 1)


def test_pool_pages_and_sku_paging(vop: VopClient) -> None:
    pages = vop.ok("product/getPageNum")
    assert len(pages) >= 50
    assert set(pages[0]) == {"page_num", "name"}
    first = vop.ok("product/getSkuByPage", pageNum=pages[0]["page_num"], pageNo=1)
    second = vop.ok("product/getSkuByPage", pageNum=pages[0]["page_num"], pageNo=2)
    assert first["pageCount"] > 100
    assert 900 <= len(first["skuIds"]) <= 1000
    assert max(first["skuIds"]) < min(second["skuIds"])
    assert vop.call("product/getSkuByPage", pageNum="1", pageNo=1)["resultCode"] == "3401"


def test_detail_has_real_fields_and_chinese_name(vop: VopClient) -> None:
    sku = in_pool_sku(vop)
    detail = vop.ok("product/getDetail", sku=sku, queryExts="")
    for field in (
        "name",
        "brandName",
        "category",
        "imagePath",
        "state",
        "weight",
        "upc",
        "saleUnit",
        "productArea",
        "wareQD",
        "introduction",
        "param",
    ):
        assert field in detail
    assert detail["category"] == "9987;653;655"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail["name"])
    assert len(detail["upc"]) == 13


def test_sku_outside_pool_answers_2004(vop: VopClient) -> None:
    assert vop.call("product/getDetail", sku=SKU_BASE - 5)["resultCode"] == "2004"
    assert vop.call("product/getDetail", sku="x")["resultCode"] == "1001"


def test_images_state_check_and_limits(vop: VopClient) -> None:
    page = vop.ok("product/getSkuByPage", pageNum="70001", pageNo=3)["skuIds"][:3]
    ids = ",".join(map(str, page))
    images = vop.ok("product/skuImage", sku=ids)
    assert set(images) == {str(s) for s in page}
    assert images[str(page[0])][0]["isPrimary"] == 1
    states = vop.ok("product/skuState", sku=ids)
    assert {row["sku"] for row in states} == set(page)
    assert all(row["state"] in (0, 1) for row in states)
    checks = vop.ok("product/check", skuIds=ids)
    assert {"skuId", "name", "saleState", "isCanVAT", "is7ToReturn"} <= set(checks[0])
    limits = json.loads(
        vop.ok("product/checkAreaLimit", skuIds=ids, province=1, city=72, county=2799, town=0)
    )
    assert {row["skuId"] for row in limits} == set(page)
    taipei = vop.ok("area/getCity", id=32)["台北市"]
    county = next(iter(vop.ok("area/getCounty", id=taipei).values()))
    towns = vop.call("area/getTown", id=county)
    town = next(iter(towns["result"].values())) if towns["success"] else 0
    closed = json.loads(
        vop.ok(
            "product/checkAreaLimit", skuIds=ids, province=32, city=taipei, county=county, town=town
        )
    )
    assert all(row["isAreaRestrict"] for row in closed)
    too_many = ",".join(str(SKU_BASE + n) for n in range(101))
    assert vop.call("product/skuState", sku=too_many)["resultCode"] == "1001"


def test_similar_skus_share_everything_but_one_sale_attribute(vop: VopClient) -> None:
    sku = in_pool_sku(vop)
    dims = vop.ok("product/getSimilarSku", skuId=sku)
    assert [d["saleName"] for d in dims] == ["颜色", "款式"]
    colours = [attr["skuIds"][0] for attr in dims[0]["saleAttrList"]]
    assert sku in colours and len(set(colours)) == 8
    names = {
        vop.ok("product/getDetail", sku=s)["name"].split()[1]
        for s in colours[:3]
        if vop.call("product/getDetail", sku=s)["success"]
    }
    assert len(names) == 1


def test_categories_by_id_and_by_page(vop: VopClient) -> None:
    assert vop.ok("product/getCategory", cid=655)["name"] == "手机"
    assert vop.ok("product/getCategory", cid=4837)["parentId"] == 729
    assert vop.call("product/getCategory", cid=1)["resultCode"] == "3401"
    tops = vop.ok("product/getCategorys", pageNo=1, pageSize=50, catClass=0)
    assert tops["totalRows"] == 18
    assert {c["catId"] for c in tops["categorys"]} >= {9987, 670, 737, 1320, 6994}
    children = vop.ok("product/getCategorys", pageNo=1, pageSize=50, parentId=671)
    assert {c["name"] for c in children["categorys"]} == {"笔记本", "台式机"}


def test_comment_summaries_follow_sales(vop: VopClient) -> None:
    c = catalog()
    skus = vop.ok("product/getSkuByPage", pageNum="70002", pageNo=1)["skuIds"][:5]
    rows = vop.ok("product/getCommentSummarys", skuIds=",".join(map(str, skus)))
    assert [r["skuId"] for r in rows] == skus
    for row in rows:
        assert 0.9 <= row["goodRate"] <= 1 and 4.7 <= row["averageScore"] <= 5
        assert row["commentCount"] == c.sales(row["skuId"]) * 3 // 10
