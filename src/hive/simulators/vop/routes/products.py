"""``product/*``: pool pages, details, images, shelf state, sale checks, categories."""

from __future__ import annotations

import json

from hive.simulators.vop import product_views as views
from hive.simulators.vop.categories import category_json
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, Reply, id_list, int_field, require
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def get_page_num(sim: Simulator, form: Form) -> Reply:
    return Reply(views.pool_pages(sim.catalog))


def get_sku_by_page(sim: Simulator, form: Form) -> Reply:
    page = views.pool_page_skus(
        sim.catalog,
        sim.overlays,
        require(form, "pageNum"),
        int_field(form, "pageNo", 1),
        sim.config.sku_page_size,
    )
    return Reply(page)


def get_detail(sim: Simulator, form: Form) -> Reply:
    sku = int_field(form, "sku")
    views.require_in_pool(sim.overlays, sku)
    return Reply(views.detail(sim.catalog, sim.overlays, sku))


def sku_image(sim: Simulator, form: Form) -> Reply:
    skus = [s for s in id_list(form, "sku") if sim.overlays.in_pool(s)]
    return Reply({str(sku): views.images(sim.catalog, sku) for sku in skus})


def sku_state(sim: Simulator, form: Form) -> Reply:
    skus = [s for s in id_list(form, "sku") if sim.catalog.exists(s)]
    return Reply([{"sku": s, "state": 1 if sim.overlays.on_shelf(s) else 0} for s in skus])


def check(sim: Simulator, form: Form) -> Reply:
    rows = []
    for sku in id_list(form, "skuIds"):
        if not sim.catalog.exists(sku):
            continue
        sellable = sim.overlays.in_pool(sku) and sim.overlays.on_shelf(sku)
        rows.append(
            {
                "skuId": sku,
                "name": sim.catalog.name(sku),
                "saleState": 1 if sellable else 0,
                "isCanVAT": 1,
                "is7ToReturn": 0 if sim.catalog.tax_rate(sku) == 9 else 1,
            }
        )
    return Reply(rows)


def get_comment_summarys(sim: Simulator, form: Form) -> Reply:
    """Ratings: good rate and average score per SKU, comment count from its sales."""
    rows = []
    for sku in id_list(form, "skuIds"):
        if not sim.catalog.exists(sku):
            continue
        good = sim.catalog.good_rate(sku)
        rows.append(
            {
                "skuId": sku,
                "averageScore": round(3 + 2 * good / 100, 1),
                "goodRate": round(good / 100, 3),
                "commentCount": sim.catalog.sales(sku) * 3 // 10,
            }
        )
    return Reply(rows)


def check_area_limit(sim: Simulator, form: Form) -> Reply:
    address = sim.areas.check(
        int_field(form, "province"),
        int_field(form, "city"),
        int_field(form, "county"),
        int_field(form, "town", 0),
    )
    rows = [
        {"skuId": sku, "isAreaRestrict": sim.area_restricted(sku, address.province)}
        for sku in id_list(form, "skuIds")
        if sim.catalog.exists(sku)
    ]
    return Reply(json.dumps(rows))


def get_similar_sku(sim: Simulator, form: Form) -> Reply:
    sku = int_field(form, "skuId")
    views.require_in_pool(sim.overlays, sku)
    return Reply(views.similar(sim.catalog, sku))


def get_category(sim: Simulator, form: Form) -> Reply:
    category = sim.tree.by_id.get(int_field(form, "cid"))
    if category is None:
        raise VopError(Code.NOT_FOUND, "category")
    return Reply(category_json(category))


def get_categorys(sim: Simulator, form: Form) -> Reply:
    page_no = int_field(form, "pageNo", 1)
    page_size = int_field(form, "pageSize", 20)
    if page_no < 1 or not 1 <= page_size <= 5000:
        raise VopError(Code.BAD_PARAMETER, "pageNo >= 1, 1 <= pageSize <= 5000")
    parent = form.get("parentId", "").strip()
    cat_class = form.get("catClass", "").strip()
    if (parent and not parent.isdigit()) or (cat_class and cat_class not in ("0", "1", "2")):
        raise VopError(Code.BAD_PARAMETER, "parentId / catClass")
    rows = sim.tree.page(int(parent) if parent else None, int(cat_class) if cat_class else None)
    chosen = rows[(page_no - 1) * page_size : page_no * page_size]
    return Reply(
        {
            "totalRows": len(rows),
            "pageNo": page_no,
            "pageSize": page_size,
            "categorys": [category_json(c) for c in chosen],
        }
    )


METHODS: dict[str, Handler] = {
    "product/getPageNum": get_page_num,
    "product/getSkuByPage": get_sku_by_page,
    "product/getDetail": get_detail,
    "product/skuImage": sku_image,
    "product/skuState": sku_state,
    "product/check": check,
    "product/checkAreaLimit": check_area_limit,
    "product/getCommentSummarys": get_comment_summarys,
    "product/getSimilarSku": get_similar_sku,
    "product/getCategory": get_category,
    "product/getCategorys": get_categorys,
}
