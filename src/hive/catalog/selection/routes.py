"""Operators' catalog pages: live upstream search with selection into the pool, and rules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hive.catalog.selection import bulk, export_sources
from hive.catalog.selection import service as selection
from hive.catalog.selection.forms import read_search_form, search_query
from hive.catalog.selection.schemas import SelectSkus
from hive.catalog.selection.texts import CATALOG_TEXTS
from hive.catalog.selection.upstream import UpstreamSearch
from hive.catalog.snapshot import parse_areas
from hive.console import i18n, job_pages
from hive.console.callers import viewing
from hive.console.error_pages import problem_lines
from hive.console.export_pages import request_export
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import Table
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, parse_id
from hive.suppliers import service as suppliers
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.protocol import SupplierAdapter

router = APIRouter(include_in_schema=False)
i18n.extend(CATALOG_TEXTS)

UPSTREAM = "/admin/catalog/upstream"
# The search fields the selection form carries back (for "select all" and the way back).
SEARCH_FIELDS = ("keyword", "category_id", "brand", "min_yuan", "max_yuan", "sort")
RULES = "/admin/catalog/rules"
UPSTREAM_PAGE_SIZE = 20
SELECT_ALL_RECORDS = "/admin/catalog/select-all/{progress_id}/records/export"
# The deepest page the supplier search form asks for (its ``page`` field's limit).
MAX_UPSTREAM_PAGES = 100

UpstreamViewer = Annotated[Actor, viewing(View.UPSTREAM)]


@asynccontextmanager
async def upstream_search(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """The application's live upstream search and its cache (``app.state.upstream_search``)."""
    app.state.upstream_search = UpstreamSearch(
        app.state.database,
        timeout_s=settings.upstream_search_timeout_s,
        cache_ttl_s=settings.upstream_search_cache_ttl_s,
    )
    yield


def _adapters(request: Request) -> AdapterFactory:
    factory: AdapterFactory = request.app.state.adapters
    return factory


def _areas(request: Request) -> list[Any]:
    return parse_areas(request.app.state.settings.pool_stock_areas)


async def _enabled_suppliers(request: Request) -> list[Any]:
    async with database_of(request).platform_transaction() as session:
        return [s for s in await suppliers.list_suppliers(session) if s.enabled]


async def _adapter(request: Request, supplier_id: int) -> SupplierAdapter:
    return await _adapters(request).for_supplier_id(supplier_id)


@router.get(UPSTREAM)
async def upstream_page(request: Request, actor: UpstreamViewer) -> Response:
    choices = await _enabled_suppliers(request)
    params = dict(request.query_params)
    context: dict[str, Any] = {
        "actor": actor,
        "suppliers": choices,
        "params": params,
        "select_all_limit": request.app.state.settings.upstream_select_all_limit,
    }
    if not params.get("supplier_id") and choices:
        params["supplier_id"] = str(choices[0].id)
    if params.get("keyword") or params.get("category_id"):
        try:
            form = read_search_form(params)
            upstream: UpstreamSearch = request.app.state.upstream_search
            adapter = await _adapter(request, form.supplier_id)
            found = await upstream.search(adapter, search_query(form))
            table = _table(params, form.page, found.total)
            if table.page != form.page:  # past the last page: show the last one
                form = form.model_copy(update={"page": table.page})
                found = await upstream.search(adapter, search_query(form))
            context.update(page=found, table=table)
        except HiveError as error:
            context["error"], context["error_code"] = error.message, error.code
            return render(
                request, "catalog_upstream.html", status_code=error.http_status, **context
            )
    return render(request, "catalog_upstream.html", **context)


def _table(params: dict[str, str], page: int, total: int) -> Table:
    """The pager of a supplier search: the supplier answers :data:`MAX_UPSTREAM_PAGES` pages
    at most, so a larger total is shown as "more than" that many hits."""
    reachable = MAX_UPSTREAM_PAGES * UPSTREAM_PAGE_SIZE
    table = Table(path=UPSTREAM, params=params, page=page, page_size=UPSTREAM_PAGE_SIZE)
    return table.with_total(min(total, reachable), capped=total > reachable)


@router.post("/admin/catalog/select")
async def select(request: Request, actor: UpstreamViewer) -> Response:
    """Select the ticked SKUs (in the request: at most a page of them), or, with
    ``select_all``, hand every hit of the search to a job and show its progress."""
    form = await request.form()
    verify_csrf(request.session, str(form.get("csrf_token", "")))
    try:
        supplier_id = parse_id(str(form.get("supplier_id", "")), "supplier_id") or 0
        searched = {k: str(v) for k, v in form.items() if k in SEARCH_FIELDS}
        back = f"{UPSTREAM}?{urlencode({**searched, 'supplier_id': supplier_id})}"
        if form.get("select_all"):
            return await _select_all(request, actor, supplier_id, searched)
        request_data = SelectSkus(
            supplier_id=supplier_id, skus=[str(s) for s in form.getlist("sku")]
        )
    except (ValueError, ValidationError, HiveError) as exc:
        status = exc.http_status if isinstance(exc, HiveError) else 422
        return render(
            request,
            "catalog_selection.html",
            status_code=status,
            actor=actor,
            error="；".join(problem_lines(request, exc)),
            back=UPSTREAM,
        )
    report = await selection.select_skus(
        database_of(request),
        await _adapter(request, request_data.supplier_id),
        actor,
        request_data.skus,
        stock_areas=_areas(request),
    )
    t = i18n.translator(language_of(request))
    return render(
        request,
        "catalog_selection.html",
        actor=actor,
        report=report,
        back=back,
        reason_text=partial(job_pages.reason_text, t),
    )


async def _select_all(
    request: Request, actor: Actor, supplier_id: int, searched: dict[str, str]
) -> Response:
    """Count the search's hits (the cached answer the page showed), then start the job."""
    form = read_search_form({**searched, "supplier_id": str(supplier_id)})
    upstream: UpstreamSearch = request.app.state.upstream_search
    page = await upstream.search(await _adapter(request, supplier_id), search_query(form))
    cap = request.app.state.settings.upstream_select_all_limit
    async with database_of(request).platform_transaction() as session:
        row = await bulk.start_bulk_select(
            session, actor, supplier_id, searched, hits=page.total, cap=cap
        )
    return redirect_with_flash(
        job_pages.progress_path(row.id),
        "selection.done.queued",
        level="info",
        n=f"{min(page.total, cap):,}",
    )


def _back_to_search(params: Mapping[str, Any]) -> str:
    search = {k: v for k, v in dict(params.get("search", {})).items() if v}
    return f"{UPSTREAM}?{urlencode({**search, 'supplier_id': params.get('supplier_id', '')})}"


@router.post(SELECT_ALL_RECORDS)
async def select_all_records(request: Request, actor: UpstreamViewer, progress_id: Id) -> Response:
    """Export the result of a "select every hit" action SKU by SKU, as a job
    (hive.catalog.selection.export_sources)."""
    return await request_export(
        request, actor, export_sources.SELECT_ALL_RECORDS, fixed={"job": str(progress_id)}
    )


job_pages.register_kind(
    job_pages.JobKind(
        bulk.BULK_SELECT,
        View.UPSTREAM,
        "selection.bulk_title",
        _back_to_search,
        export_path=lambda progress_id: SELECT_ALL_RECORDS.format(progress_id=progress_id),
    )
)
