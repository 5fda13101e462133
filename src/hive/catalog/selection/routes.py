"""Operators' catalog pages: live upstream search with selection into the pool, and rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hive.catalog.selection import service as selection
from hive.catalog.selection.forms import read_search_form, search_query
from hive.catalog.selection.schemas import SelectSkus
from hive.catalog.selection.texts import CATALOG_TEXTS
from hive.catalog.selection.upstream import UpstreamSearch
from hive.catalog.snapshot import parse_areas
from hive.console import i18n
from hive.console.callers import viewing
from hive.console.error_pages import problem_lines
from hive.console.pages import render
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.money import format_yuan
from hive.platform.permissions import View
from hive.platform.validation import parse_id
from hive.suppliers import service as suppliers
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.protocol import SupplierAdapter

router = APIRouter(include_in_schema=False)
i18n.extend(CATALOG_TEXTS)

UPSTREAM = "/admin/catalog/upstream"
# The search fields the selection form carries back (for "select all" and the way back).
SEARCH_FIELDS = ("keyword", "category_id", "brand", "min_yuan", "max_yuan", "sort")
RULES = "/admin/catalog/rules"

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
        "yuan": format_yuan,
        "page_query": lambda n: urlencode({**params, "page": n}),
        "select_all_limit": request.app.state.settings.upstream_select_all_limit,
    }
    if not params.get("supplier_id") and choices:
        params["supplier_id"] = str(choices[0].id)
    if params.get("keyword") or params.get("category_id"):
        try:
            form = read_search_form(params)
            upstream: UpstreamSearch = request.app.state.upstream_search
            context["page"] = await upstream.search(
                await _adapter(request, form.supplier_id), search_query(form)
            )
        except HiveError as error:
            context["error"], context["error_code"] = error.message, error.code
            return render(
                request, "catalog_upstream.html", status_code=error.http_status, **context
            )
    return render(request, "catalog_upstream.html", **context)


@router.post("/admin/catalog/select")
async def select(request: Request, actor: UpstreamViewer) -> Response:
    form = await request.form()
    verify_csrf(request.session, str(form.get("csrf_token", "")))
    try:
        supplier_id = parse_id(str(form.get("supplier_id", "")), "supplier_id") or 0
        skus = [str(s) for s in form.getlist("sku")]
        searched = {k: str(v) for k, v in form.items() if k in SEARCH_FIELDS}
        back = f"{UPSTREAM}?{urlencode({**searched, 'supplier_id': supplier_id})}"
        skipped = 0
        if form.get("select_all"):
            skus, total = await _all_hits(request, supplier_id, searched)
            skipped = max(0, total - len(skus))
        request_data = SelectSkus(supplier_id=supplier_id, skus=skus)
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
    return render(
        request,
        "catalog_selection.html",
        actor=actor,
        report=report,
        skipped=skipped,
        limit=request.app.state.settings.upstream_select_all_limit,
        back=back,
    )


async def _all_hits(
    request: Request, supplier_id: int, params: dict[str, str]
) -> tuple[list[str], int]:
    """Every hit of the submitted search, page by page, up to the configured limit, and how
    many hits the search has in all (the rest is reported as skipped, never dropped silently)."""
    limit = request.app.state.settings.upstream_select_all_limit
    form = read_search_form({**params, "supplier_id": str(supplier_id), "page": "1"})
    adapter = await _adapter(request, supplier_id)
    skus: list[str] = []
    page, total = 1, 0
    while len(skus) < limit:
        query = search_query(form.model_copy(update={"page": page}), page_size=100)
        result = await adapter.search(query)
        skus += [hit.sku for hit in result.hits]
        total = max(total, result.total)
        if not result.hits or page * 100 >= result.total or page >= 100:
            break
        page += 1
    return skus[:limit], max(total, len(skus))
