"""Operators' pool pages: search the pool, open a product with its history, change its status."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hive.catalog import reference
from hive.catalog.freshness import tasks as freshness
from hive.catalog.pool import display, images
from hive.catalog.pool import service as pool
from hive.catalog.pool.forms import picker_choices, pool_query, pool_table
from hive.catalog.pool.texts import POOL_TEXTS
from hive.catalog.search.service import search_pool
from hive.console import i18n, job_pages
from hive.console.callers import SignedInActor, viewing
from hive.console.error_pages import problem_lines
from hive.console.forms import CsrfToken, posted_form
from hive.console.i18n import translator
from hive.console.pages import (
    back_link,
    filter_link,
    language_of,
    redirect_with_flash,
    render,
    with_back,
)
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError, NotFound
from hive.platform.http import database_of
from hive.platform.permissions import Action, View, allowed, may_view, require
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)
i18n.extend(POOL_TEXTS)

POOL = "/admin/catalog/pool"
PoolViewer = Annotated[Actor, viewing(View.POOL)]
STATUS_ACTIONS = {
    "pause": pool.PAUSED,
    "resume": pool.ACTIVE,
    "remove": pool.REMOVED,
    "restore": pool.ACTIVE,
}


@router.get(POOL)
async def pool_page(request: Request, actor: PoolViewer) -> Response:
    params = {k: v for k, v in request.query_params.items()}
    context: dict[str, Any] = {
        "actor": actor,
        "params": params,
        "link": partial(filter_link, POOL, params),
        # An empty pool points to the upstream search, for those who may open it.
        "may_pick": may_view(actor.role, View.UPSTREAM),
    }
    async with database_of(request).platform_transaction() as session:
        context.update(await picker_choices(session))
        if allowed(actor.role, Action.CALIBRATE_POOL):
            products = await freshness.calibration_size(session)
            context["calibrate_question"] = _calibrate_question(request, products)
    try:
        query = pool_query(params)
        async with database_of(request).platform_transaction() as session:
            result = await search_pool(session, query)
            table = pool_table(POOL, params, query, result.total, capped=result.total_is_estimate)
            if table.page != query.page:  # past the last page: show the last one
                result = await search_pool(session, replace(query, page=table.page))
        context.update(result=result, table=table)
    except HiveError as error:
        context["error"] = "；".join(problem_lines(request, error))
        return render(request, "catalog_pool.html", status_code=error.http_status, **context)
    return render(request, "catalog_pool.html", **context)


def _calibrate_question(request: Request, products: int) -> str:
    return translator(language_of(request))("pool.calibrate.confirm").format(
        products=f"{products:,}"
    )


@router.post(POOL + "/calibrate")
async def calibrate(request: Request, actor: PoolViewer) -> Response:
    """Calibrate every supplier's pool now, as a job (its progress page next); asked without
    ``confirm=1``, nothing starts and the confirmation names the products it will read."""
    form = await posted_form(request)
    async with database_of(request).platform_transaction() as session:
        if not job_pages.confirmed(form):
            require(actor, Action.CALIBRATE_POOL)
            products = await freshness.calibration_size(session)
            return job_pages.confirm_page(
                request,
                actor,
                title_key="pool.calibrate.job",
                text=_calibrate_question(request, products),
                action=POOL + "/calibrate",
                back=POOL,
            )
        row = await freshness.start_calibration(session, actor)
    return RedirectResponse(job_pages.progress_path(row.id), status_code=303)


# Listed with the other long actions (/admin/jobs/<id>: progress, summary and cancel).
job_pages.register_kind(
    job_pages.JobKind(
        freshness.CALIBRATE_KIND, View.POOL, "pool.calibrate.job", back=lambda _: POOL
    )
)


@router.get("/admin/catalog/products/{product_id}")
async def product_page(request: Request, actor: PoolViewer, product_id: Id) -> Response:
    async with database_of(request).platform_transaction() as session:
        product, history = await pool.product_with_history(session, product_id)
        provinces = dict(await reference.province_choices(session))
    t = translator(language_of(request))
    return render(
        request,
        "catalog_product.html",
        actor=actor,
        product=product,
        stock=display.stock_rows(product.stock, provinces, t),
        history=display.history_rows(history, provinces, t),
        back=back_link(request, POOL),
        trail=[(product.name, None)],
    )


@router.post("/admin/catalog/products/{product_id}/{action}")
async def product_status(
    request: Request,
    actor: PoolViewer,
    product_id: Id,
    action: str,
    csrf_token: CsrfToken = "",
    reason: Annotated[str, Form(max_length=255)] = "",
    back: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    if action not in STATUS_ACTIONS:
        raise NotFound()
    async with database_of(request).platform_transaction() as session:
        await pool.change_status(session, actor, product_id, STATUS_ACTIONS[action], reason=reason)
    page = with_back(f"/admin/catalog/products/{product_id}", back_link(request, POOL, back))
    return redirect_with_flash(page, f"pool.done.{action}")


@router.get("/images/products/{product_id}")
async def product_image(request: Request, actor: SignedInActor, product_id: Id) -> Response:
    """A product's picture from this site (fetched from the supplier once and cached), or a
    placeholder; any signed-in user (tenants see the pictures of the pool's products)."""
    settings = request.app.state.settings
    async with database_of(request).platform_transaction() as session:
        url = await pool.image_address(session, settings, product_id, sold_only=False)
    return images.as_response(await images.picture(url, settings), shared=False)
