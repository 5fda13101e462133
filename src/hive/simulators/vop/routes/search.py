"""``search/search``: keyword, category, brand and price filters, sorted and paged."""

from __future__ import annotations

from hive.platform.money import InvalidAmount, parse_yuan
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, Reply, int_field
from hive.simulators.vop.product_views import IMAGE_HOST
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.search_index import SORT_TYPES, Plan, Query
from hive.simulators.vop.simulator import Simulator


def search(sim: Simulator, form: Form) -> Reply:
    page_index = int_field(form, "pageIndex", 1)
    page_size = int_field(form, "pageSize", 20)
    if page_index < 1 or not 1 <= page_size <= sim.config.search_max_page_size:
        raise VopError(
            Code.BAD_PARAMETER, f"pageIndex >= 1, pageSize 1..{sim.config.search_max_page_size}"
        )
    sort = form.get("sortType", "").strip()
    if sort not in SORT_TYPES:
        raise VopError(Code.BAD_PARAMETER, f"sortType must be one of {', '.join(SORT_TYPES[1:])}")
    key = tuple(form.get(name, "").strip() for name in ("catId", "Brands", "Keyword", "Min", "Max"))
    plan = sim.search_plans.get(key, lambda: _plan(sim, form))
    if plan is None:
        return Reply(_empty(page_index, page_size))
    skus = sim.index.search(plan, sort, (page_index - 1) * page_size, page_size)
    return Reply(
        {
            "resultCount": plan.total,
            "pageIndex": page_index,
            "pageSize": page_size,
            "pageCount": -(-plan.total // page_size),
            "hitResult": [_hit(sim, sku) for sku in skus],
            # At the top level of ``result``, where the Go, .NET and Java clients read them.
            **sim.facets.aggregates(plan),
        }
    )


def _plan(sim: Simulator, form: Form) -> Plan | None:
    query = _query(sim, form)
    return None if query is None else sim.index.plan(query)


def _query(sim: Simulator, form: Form) -> Query | None:
    """Keyword first (its narrowing is cached per keyword), then category, brands, price."""
    keyword = form.get("Keyword", "").strip()
    query = sim.index.for_keyword(keyword)
    if query is None:
        return None
    cat_id = form.get("catId", "").strip()
    if cat_id:
        if not cat_id.isdigit():
            raise VopError(Code.BAD_PARAMETER, "catId must be an integer")
        query = sim.index.in_leaves(query, set(sim.tree.leaves_under(int(cat_id))))
    brands = {b.strip() for b in form.get("Brands", "").split(",") if b.strip()}
    if brands:
        by_id = {str(i): name for name, i in sim.catalog.brand_ids.items()}
        query = sim.index.with_brands(query, {by_id.get(b, b) for b in brands})
    return _price_range(query, form)


def _price_range(query: Query, form: Form) -> Query:
    try:
        low = parse_yuan(form["Min"]) if form.get("Min", "").strip() else 0
        high = parse_yuan(form["Max"]) if form.get("Max", "").strip() else 1 << 62
    except InvalidAmount as exc:
        raise VopError(Code.BAD_PARAMETER, f"Min/Max: {exc}") from None
    return Query(query.groups, query.styles, query.colors, low, high)


def _hit(sim: Simulator, sku: int) -> dict[str, object]:
    s = sim.catalog.slots(sku)
    top, mid, leaf = sim.catalog.leaf(s).path
    brand = sim.catalog.brand(s)
    return {
        "wareId": str(sku),
        "warePId": str(sku - s.color * sim.catalog.variants),  # the colour-0 sibling
        "wareName": sim.catalog.name_of(s),
        "brand": brand,
        "brandId": str(sim.catalog.brand_ids[brand]),
        "cid1": str(top.cat_id),
        "cid2": str(mid.cat_id),
        "catId": str(leaf.cat_id),
        "cid1Name": top.name,
        "cid2Name": mid.name,
        "catName": leaf.name,
        "imageUrl": IMAGE_HOST + sim.catalog.images(sku, 1)[0],
        "wstate": "1" if sim.overlays.on_shelf(sku) else "0",
        "wyn": "1",
        "synonyms": "",
    }


def _empty(page_index: int, page_size: int) -> dict[str, object]:
    no_categories: dict[str, list[object]] = {
        "firstCategory": [],
        "secondCategory": [],
        "thridCategory": [],
    }
    return {
        "resultCount": 0,
        "pageIndex": page_index,
        "pageSize": page_size,
        "pageCount": 0,
        "hitResult": [],
        "brandAggregate": {"pinyinAggr": [], "brandList": []},
        "categoryAggregate": no_categories,
        "priceIntervalAggregate": [],
    }


METHODS: dict[str, Handler] = {"search/search": search}
