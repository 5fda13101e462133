"""search/search: arithmetic index, filters, sorting, paging and aggregates."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vop_sim_harness import VopClient, fen

from hive.simulators.vop.catalog import SKU_BASE, Catalog
from hive.simulators.vop.categories import build_tree
from hive.simulators.vop.category_data import STYLES
from hive.simulators.vop.search_index import Query, SearchIndex


@pytest.fixture(scope="module")
def small() -> tuple[Catalog, SearchIndex]:
    catalog = Catalog(build_tree(), 3, 1)  # two variants per product: brute force is cheap
    return catalog, SearchIndex(catalog)


def brute_force(catalog: Catalog, leaves: set[int], predicate: object) -> list[int]:
    assert callable(predicate)
    found = []
    for leaf in sorted(leaves):
        start = SKU_BASE + leaf * catalog.leaf_size
        found.extend(s for s in range(start, start + catalog.leaf_size) if predicate(s))
    return found


def test_keyword_and_price_filter_match_brute_force(small: tuple[Catalog, SearchIndex]) -> None:
    catalog, index = small
    leaves = set(catalog.tree.leaves_under(737))  # 家用电器
    query = index.in_leaves(index.everything(), leaves)
    query = index.with_keyword(query, "美的 空调 白色")
    assert query is not None
    query = type(query)(query.groups, query.styles, query.colors, 100_000, 400_000)
    plan = index.plan(query)
    skus = index.search(plan, "", 0, 10_000)

    def matches(sku: int) -> bool:
        name = catalog.name(sku)
        price = catalog.jd_price(sku)
        return (
            name.startswith("美的 ")
            and "空调" in name
            and "白色" in name
            and (100_000 <= price <= 400_000)
        )

    expected = brute_force(catalog, leaves, matches)
    assert plan.total == len(expected) > 0
    assert skus == expected
    assert index.search(plan, "winsdate_desc", 0, 10_000) == expected[::-1]
    assert index.search(plan, "", 7, 5) == expected[7:12]


def test_price_order_is_sorted_and_complete(small: tuple[Catalog, SearchIndex]) -> None:
    catalog, index = small
    query = index.with_keyword(index.everything(), "华为 黑色")
    assert query is not None
    plan = index.plan(query)
    asc = index.search(plan, "price_asc", 0, 100_000)
    prices = [catalog.jd_price(s) for s in asc]
    assert prices == sorted(prices)
    assert len(set(asc)) == plan.total == len(asc)
    desc = index.search(plan, "price_desc", 0, 100_000)
    assert sorted(desc) == sorted(asc)
    assert [catalog.jd_price(s) for s in desc] == sorted(prices, reverse=True)
    sales = [catalog.sales(s) for s in index.search(plan, "sale_desc", 0, 100_000)]
    assert sales == sorted(sales, reverse=True)
    assert index.search(plan, "price_asc", 50, 10) == asc[50:60]


def test_search_over_http_with_aggregates(vop: VopClient) -> None:
    result = vop.ok("search/search", Keyword="华为手机", pageIndex=1, pageSize=10)
    assert result["resultCount"] > 10_000
    assert result["pageCount"] == -(-result["resultCount"] // 10)
    assert len(result["hitResult"]) == 10
    hit = result["hitResult"][0]
    assert {"wareId", "wareName", "brand", "catId", "imageUrl"} <= set(hit)
    assert hit["brand"] == "华为"
    # The aggregates sit at the top level of ``result``, in the shapes JD's clients read.
    assert "aggregates" not in result
    brands = result["brandAggregate"]
    assert brands["pinyinAggr"] == [] and brands["brandList"][0]["name"] == "华为"
    assert all(isinstance(b["id"], str) and b["id"].isdigit() for b in brands["brandList"])
    assert sum(b["count"] for b in brands["brandList"]) == result["resultCount"]
    firsts = result["categoryAggregate"]["firstCategory"]
    assert firsts[0]["catId"] == 9987
    bands = result["priceIntervalAggregate"]
    assert sum(b["count"] for b in bands) == result["resultCount"]
    assert all(fen(b["min"]) < fen(b["max"]) for b in bands)
    empty = vop.ok("search/search", Keyword="不存在的词", pageIndex=1, pageSize=10)
    assert empty["brandAggregate"] == {"pinyinAggr": [], "brandList": []}
    assert (
        empty["priceIntervalAggregate"] == [] and empty["categoryAggregate"]["thridCategory"] == []
    )


def test_category_brand_price_filters_and_sorting(vop: VopClient) -> None:
    result = vop.ok(
        "search/search",
        catId=672,
        Brands="联想,戴尔",
        Min="3000",
        Max="6000",
        sortType="price_desc",
        pageIndex=2,
        pageSize=20,
    )
    assert result["resultCount"] > 0
    ids = [int(h["wareId"]) for h in result["hitResult"]]
    in_pool = ",".join(str(s) for s in ids if vop.call("product/getDetail", sku=s)["success"])
    prices = [fen(p["jdPrice"]) for p in vop.ok("price/getSellPrice", sku=in_pool)]
    assert all(300_000 <= p <= 600_000 for p in prices)
    assert prices == sorted(prices, reverse=True)
    for hit in result["hitResult"]:
        assert hit["catId"] == "672" and hit["brand"] in ("联想", "戴尔")


def test_empty_and_bad_searches(vop: VopClient) -> None:
    nothing = vop.ok("search/search", Keyword="不存在的东西zzz")
    assert nothing["resultCount"] == 0 and nothing["hitResult"] == []
    assert vop.call("search/search", sortType="random")["resultCode"] == "1001"
    assert vop.call("search/search", Min="abc")["resultCode"] == "1001"
    assert vop.call("search/search", pageSize=100_000)["resultCode"] == "1001"


def test_search_answers_in_milliseconds(vop: VopClient) -> None:
    vop.ok("search/search", Keyword="手机")  # warm up
    started = time.perf_counter()
    for sort in ("", "price_asc", "price_desc", "sale_desc", "winsdate_desc"):
        vop.ok("search/search", Keyword="黑色", sortType=sort, pageIndex=50, pageSize=50)
    assert (time.perf_counter() - started) / 5 < 0.25


TOPS = (9987, 670, 737, 1320, 6994)


@settings(max_examples=25, deadline=None)
@given(
    top=st.sampled_from(TOPS),
    brand_slots=st.sets(st.integers(0, 7), max_size=3),
    style=st.one_of(st.none(), st.integers(0, 7)),
    low=st.integers(0, 300_000),
    span=st.integers(0, 2_000_000),
    sort=st.sampled_from(("", "price_asc", "price_desc", "sale_desc", "winsdate_desc")),
    offset=st.integers(0, 3_000),
)
def test_any_filter_combination_matches_brute_force(
    small: tuple[Catalog, SearchIndex],
    top: int,
    brand_slots: set[int],
    style: int | None,
    low: int,
    span: int,
    sort: str,
    offset: int,
) -> None:
    catalog, index = small
    leaves = set(catalog.tree.leaves_under(top))
    brands = {catalog.tree.leaves[min(leaves)].brands[b] for b in brand_slots}
    query = index.in_leaves(index.everything(), leaves)
    if brands:
        query = index.with_brands(query, brands)
    if style is not None:
        narrowed = index.with_keyword(query, STYLES[style])
        assert narrowed is not None
        query = narrowed
    query = Query(query.groups, query.styles, query.colors, low, low + span)
    plan = index.plan(query)
    page = index.search(plan, sort, offset, 30)

    def matches(sku: int) -> bool:
        s = catalog.slots(sku)
        return (
            (not brands or catalog.brand(s) in brands)
            and (style is None or s.style == style)
            and low <= catalog.jd_price(sku) <= low + span
        )

    expected = brute_force(catalog, leaves, matches)
    assert plan.total == len(expected)
    key = {
        "": lambda s: s,
        "winsdate_desc": lambda s: -s,
        "price_asc": lambda s: (catalog.jd_price(s), s),
        "price_desc": lambda s: -catalog.jd_price(s),
        "sale_desc": lambda s: -catalog.sales(s),
    }[sort]
    ordered = sorted(expected, key=key)
    assert [key(s) for s in page] == [key(s) for s in ordered[offset : offset + 30]]
    assert len(set(page)) == len(page) and set(page) <= set(expected)
