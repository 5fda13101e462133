"""The pool as CSV (/admin/catalog/pool/export.csv): every product the pool page's filters
match, in its sort order, streamed (hive.console.export)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.catalog.pool.forms import pool_query
from hive.catalog.pool.routes import POOL, PoolViewer
from hive.catalog.search.service import pool_export
from hive.console import i18n
from hive.console.export import csv_download, header, stream_rows, yuan_cell
from hive.console.i18n import translator
from hive.console.pages import language_of
from hive.platform.http import database_of

router = APIRouter(include_in_schema=False)
COLUMNS = ("pool.export.id", "catalog.sku", "catalog.name", "catalog.brand",
           "pool.export.category", "catalog.purchase", "catalog.retail", "pool.status",
           "pool.on_shelf", "pool.export.sales")  # fmt: skip
MONEY_COLUMNS = ("catalog.purchase", "catalog.retail")

i18n.extend(
    {
        "zh": {
            "pool.export.id": "商品编号",
            "pool.export.category": "分类",
            "pool.export.sales": "销量",
        },
        "en": {
            "pool.export.id": "Product id",
            "pool.export.category": "Category",
            "pool.export.sales": "Sales",
        },
    }
)


async def _nothing() -> AsyncIterator[Any]:
    """No rows (a filter that can match nothing, such as an unknown category)."""
    return
    yield


@router.get(POOL + "/export.csv")
async def pool_export_csv(request: Request, actor: PoolViewer) -> Response:
    """Refuses what the pool page refuses (an unknown parameter, a bad price …)."""
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    query = pool_query(params)
    database = database_of(request)
    async with database.platform_transaction() as session:
        planned = await pool_export(session, query)
    rows = stream_rows(database.platform_transaction, *planned) if planned else _nothing()
    t = translator(language_of(request))
    return csv_download("pool-products", header(t, COLUMNS, MONEY_COLUMNS), _cells(rows, t))


async def _cells(
    rows: AsyncIterator[Any], t: Callable[[str], str]
) -> AsyncIterator[Sequence[object]]:
    async for row in rows:
        yield (
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
