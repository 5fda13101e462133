"""Wire shapes of catalogue data: product details, images, similar SKUs, pool pages."""

from __future__ import annotations

from dataclasses import replace

from hive.simulators.vop.catalog import SKU_BASE, Catalog, Slots
from hive.simulators.vop.category_data import COLORS, STYLES
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.overlays import Overlays

POOL_PAGE_BASE = 70_000
SALE_UNITS: dict[int, str] = {9987: "台", 670: "台", 737: "台", 652: "台", 1713: "本", 1320: "件"}
IMAGE_HOST = "https://img13.360buyimg.com/n1/"


def require_in_pool(overlays: Overlays, sku: int) -> None:
    if not overlays.in_pool(sku):
        raise VopError(Code.SKU_NOT_IN_POOL, str(sku))


def detail(catalog: Catalog, overlays: Overlays, sku: int) -> dict[str, object]:
    s = catalog.slots(sku)
    leaf = catalog.leaf(s)
    name = catalog.name(sku)
    version = overlays.info_version(sku)
    intro = f"<div><p>{name}</p><p>{leaf.words[s.word]}，{STYLES[s.style]}，品质之选。</p>"
    if version:
        intro += f"<p>商品信息第{version}次更新</p>"
    param = (
        f"<table><tr><th>品牌</th><td>{leaf.brands[s.brand]}</td></tr><tr><th>型号</th><td>{catalog.model_code(s)}</td></tr>"
        f"<tr><th>颜色</th><td>{COLORS[s.color]}</td></tr><tr><th>款式</th><td>{STYLES[s.style]}</td></tr></table>"
    )
    return {
        "sku": sku,
        "name": name,
        "brandName": leaf.brands[s.brand],
        "category": catalog.category_path(sku),
        "imagePath": catalog.images(sku, 1)[0],
        "state": 1 if overlays.on_shelf(sku) else 0,
        "weight": catalog.weight_kg(sku),
        "upc": catalog.upc(sku),
        "saleUnit": SALE_UNITS.get(leaf.path[0].cat_id, "件"),
        "productArea": "中国大陆",
        "wareQD": f"{leaf.words[s.word]} × 1",
        "introduction": intro + "</div>",
        "param": param,
    }


def images(catalog: Catalog, sku: int) -> list[dict[str, object]]:
    return [
        {"skuId": sku, "path": path, "isPrimary": 1 if n == 0 else 0, "orderSort": n + 1}
        for n, path in enumerate(catalog.images(sku))
    ]


def similar(catalog: Catalog, sku: int) -> list[dict[str, object]]:
    """Colour and style siblings: same product, same variant, one sale attribute changed."""
    s = catalog.slots(sku)
    dims: list[dict[str, object]] = []
    for dim, sale_name, values, field in (
        (1, "颜色", COLORS, "color"),
        (2, "款式", STYLES, "style"),
    ):
        attrs = []
        for index, value in enumerate(values):
            sibling = catalog.sku_of(_with(s, field, index))
            attrs.append(
                {
                    "imagePath": catalog.images(sibling, 1)[0],
                    "saleValue": value,
                    "skuIds": [sibling],
                }
            )
        dims.append({"dim": dim, "saleName": sale_name, "saleAttrList": attrs})
    return dims


def _with(s: Slots, field: str, value: int) -> Slots:
    return replace(s, **{field: value})


def pool_pages(catalog: Catalog) -> list[dict[str, object]]:
    return [
        {
            "page_num": str(POOL_PAGE_BASE + leaf.index),
            "name": f"{leaf.path[0].name}-{leaf.category.name}",
        }
        for leaf in catalog.tree.leaves
    ]


def pool_page_skus(
    catalog: Catalog, overlays: Overlays, page_num: str, page_no: int, page_size: int
) -> dict[str, object]:
    """One page of a pool page's SKU ids: a block of the leaf's id range, pool members only."""
    if not page_num.isdigit() or not 0 <= int(page_num) - POOL_PAGE_BASE < catalog.leaf_count:
        raise VopError(Code.NOT_FOUND, f"pageNum {page_num}")
    leaf = int(page_num) - POOL_PAGE_BASE
    page_count = -(-catalog.leaf_size // page_size)
    if page_no < 1:
        raise VopError(Code.BAD_PARAMETER, "pageNo starts at 1")
    start = leaf * catalog.leaf_size + (page_no - 1) * page_size
    end = min(start + page_size, (leaf + 1) * catalog.leaf_size) if page_no <= page_count else start
    ids = [SKU_BASE + n for n in range(start, end) if overlays.in_pool(SKU_BASE + n)]
    return {"pageCount": page_count, "skuIds": ids}
