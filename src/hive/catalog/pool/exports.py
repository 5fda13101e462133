"""The pool's CSV export, run as a job: "导出 CSV" posts the pool page's filters and sort to
POST /admin/catalog/pool/export (hive.console.export_pages: asked first when large, then the
progress page and the file). The file has every product those filters match (every page, not
the first 5,000 rows a search pages through), in the page's sort order; money in yuan with
the unit in the header. Every staff role may export it, as every staff role may open the
pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import reference
from hive.catalog.pool.forms import pool_query
from hive.catalog.pool.routes import POOL, PoolViewer
from hive.catalog.pool.texts import POOL_TEXTS
from hive.catalog.search.service import SortOrder, pool_export
from hive.catalog.selection.texts import CATALOG_TEXTS
from hive.console.export import header, yuan_cell
from hive.console.export_filters import SORT, Filter, choice, keyed, named
from hive.console.export_jobs import ExportSource, Planned, Translate, register_source
from hive.console.export_pages import request_export
from hive.platform.actor import Actor
from hive.platform.permissions import View

router = APIRouter(include_in_schema=False)
COLUMNS = ("pool.export.id", "catalog.sku", "catalog.name", "catalog.brand",
           "pool.export.category", "catalog.purchase", "catalog.retail", "pool.status",
           "pool.on_shelf", "pool.export.sales")  # fmt: skip
MONEY_COLUMNS = ("catalog.purchase", "catalog.retail")

EXPORT_TEXTS = {
    "zh": {
        "pool.export.title": "导出商品池",
        "pool.export.id": "商品编号",
        "pool.export.category": "分类",
        "pool.export.sales": "销量",
    },
    "en": {
        "pool.export.title": "Pool export",
        "pool.export.id": "Product id",
        "pool.export.category": "Category",
        "pool.export.sales": "Sales",
    },
}
# The sorts' names, as the pool page's sort menu words them.
SORT_NAMES = {
    SortOrder.RELEVANCE.value: "catalog.sort.relevance",
    SortOrder.SALES.value: "pool.sort.sales",
    SortOrder.PRICE_ASC.value: "catalog.sort.price_asc",
    SortOrder.PRICE_DESC.value: "catalog.sort.price_desc",
    SortOrder.NEWEST.value: "catalog.sort.newest",
}
# Every filter the pool page reads (hive.catalog.pool.forms), labelled as its form labels it.
FILTERS = {
    "keyword": Filter("catalog.keyword"),
    "category_id": Filter("pool.facet.category", named(reference.category_name)),
    "brand": Filter("catalog.brand"),
    "province": Filter("pool.province", named(reference.province_name)),
    "min_yuan": Filter("catalog.min"),
    "max_yuan": Filter("catalog.max"),
    "status": Filter("pool.status", choice("pool.status.")),
    "sort": Filter(SORT.label, keyed(SORT_NAMES)),
}


async def _plan(session: AsyncSession, actor: Actor, filters: Mapping[str, str]) -> Planned:
    """Refuses what the pool page refuses (an unknown parameter, a bad price …); a category
    is exported with every category under it, as the page searches it."""
    return Planned(await pool_export(session, pool_query(filters)), _cells)


def _cells(row: Any, t: Translate) -> Sequence[object]:
    return (
        row.id,
        row.supplier_sku,
        row.name,
        row.brand,
        row.category_name,
        yuan_cell(row.purchase_price_fen),
        yuan_cell(row.retail_price_fen),
        t(f"pool.status.{row.status}"),
        t("pool.yes") if row.on_shelf else t("pool.no"),
        row.sales,
    )


POOL_PRODUCTS = register_source(
    ExportSource(
        name="catalog.pool",
        title_key="pool.export.title",
        file_name="pool-products",
        back=POOL,
        tenant=False,
        plan=_plan,
        view=View.POOL,
        header=lambda t: header(t, COLUMNS, MONEY_COLUMNS),
        filters=FILTERS,
        texts=(CATALOG_TEXTS, POOL_TEXTS, EXPORT_TEXTS),
    ),
    __name__,
)


@router.post(POOL + "/export")
async def pool_export_job(request: Request, actor: PoolViewer) -> Response:
    return await request_export(request, actor, POOL_PRODUCTS)
