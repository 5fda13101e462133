"""Tenant workbench pages: search the product pool as a tenant sees it — the products of its
distribution pools, at its own price, each with a way into its library.

The search runs in the tenant's transaction (role ``hive_tenant``), which PostgreSQL does not
let read our purchase price or the supplier's identity (migration 0007). The products shown are
then marked viewed, so the 30-minute active refresh keeps what tenants look at fresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.catalog.library import service as library
from hive.catalog.library.texts import LIBRARY_TEXTS
from hive.catalog.pool import service as pool
from hive.catalog.pool.forms import picker_choices, pool_query, pool_table
from hive.catalog.pool.texts import POOL_TEXTS
from hive.catalog.pricing import service as pricing
from hive.catalog.search.service import InvalidPoolQuery, PoolQuery, search_pool_for_tenant
from hive.catalog.search.texts import WORKBENCH_TEXTS
from hive.catalog.selection.texts import CATALOG_TEXTS
from hive.console import i18n
from hive.console.callers import TenantActor, TenantSession, tenant_id_of
from hive.console.error_pages import problem_lines
from hive.console.pages import filter_link, render
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.validation import Problem

router = APIRouter(include_in_schema=False)
# The form and facet labels are the operator pages' own (extending twice changes nothing).
for texts in (CATALOG_TEXTS, POOL_TEXTS, WORKBENCH_TEXTS, LIBRARY_TEXTS):
    i18n.extend(texts)

POOL = "/workbench/pool"


@router.get(POOL)
async def pool_page(request: Request, actor: TenantActor, session: TenantSession) -> Response:
    params = dict(request.query_params)
    async with database_of(request).platform_transaction() as platform:
        choices = await picker_choices(platform)
    page = partial(
        render,
        request,
        "workbench_pool.html",
        actor=actor,
        params=params,
        **choices,
    )
    try:
        query = tenant_pool_query(params)
        tenant_id = tenant_id_of(actor)
        result = await search_pool_for_tenant(session, query, tenant_id=tenant_id)
        table = pool_table(POOL, params, query, result.total, capped=result.total_is_estimate)
        if table.page != query.page:  # past the last page: show the last one
            query = replace(query, page=table.page)
            result = await search_pool_for_tenant(session, query, tenant_id=tenant_id)
        shown = [hit.id for hit in result.hits]
        prices = await pricing.tenant_prices(session, tenant_id, shown)
        held = await library.held(session, tenant_id, shown)
        async with database_of(request).platform_transaction() as platform:
            await pool.mark_viewed(platform, [hit.id for hit in result.hits])
    except HiveError as error:
        return page(status_code=error.http_status, problems=problem_lines(request, error))
    return page(
        result=result,
        table=table,
        prices=prices,
        held=held,
        link=partial(filter_link, POOL, params),
    )


def tenant_pool_query(params: Mapping[str, str]) -> PoolQuery:
    """The operator page's query (``pool_query``) without its status filter: tenants see
    active products only."""
    if params.get("status", "").strip():
        raise InvalidPoolQuery([Problem("status", "not_allowed")])
    return pool_query(params)
