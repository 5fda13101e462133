"""Tenant workbench pages of the product library: the library itself (own retail prices,
remove, unavailable items first and highlighted), a product's page, and the forms that add
products from the pool page (one, the page, a whole category). Everything runs in the tenant's
transaction (row-level security); the service refuses products outside the tenant's pools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hive.catalog.library import forms
from hive.catalog.library import service as library
from hive.catalog.library.texts import LIBRARY_TEXTS
from hive.console import i18n
from hive.console.callers import TenantSession, tenant_id_of, viewing
from hive.console.error_pages import problem_lines
from hive.console.forms import CsrfToken, submit_change
from hive.console.pages import local_path, redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.platform.actor import Actor
from hive.platform.errors import HiveError
from hive.platform.permissions import View
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)
i18n.extend(LIBRARY_TEXTS)

LIBRARY = "/workbench/library"
POOL = "/workbench/pool"
Librarian = Annotated[Actor, viewing(View.WORKBENCH_LIBRARY)]
Browser = Annotated[Actor, viewing(View.WORKBENCH_POOL)]
Back = Annotated[str, Form(max_length=2048)]


@router.get(LIBRARY)
async def library_page(request: Request, actor: Librarian, session: TenantSession) -> Response:
    params = dict(request.query_params)
    try:
        refuse_unknown(params, ("page", "status"))
        table = read_table(params, path=LIBRARY, page_size=library.PAGE_SIZE)
        status = forms.status_filter(params.get("status", ""))
        page = await library.library_page(
            session, tenant_id_of(actor), status=status, page=table.page
        )
    except HiveError as error:
        return render(
            request,
            "workbench_library.html",
            status_code=error.http_status,
            actor=actor,
            problems=problem_lines(request, error),
            params=params,
        )
    return render(
        request,
        "workbench_library.html",
        actor=actor,
        page=page,
        table=table.with_total(page.total),
        params=params,
    )


@router.get("/workbench/products/{product_id}")
async def product_page(
    request: Request, actor: Browser, session: TenantSession, product_id: Id
) -> Response:
    tenant_id = tenant_id_of(actor)
    product = await library.product_for_tenant(session, tenant_id, product_id)
    held = await library.held(session, tenant_id, [product_id])
    return render(
        request,
        "workbench_product.html",
        actor=actor,
        product=product,
        in_library=product_id in held,
        trail=[(product.name, None)],
    )


@router.post(LIBRARY + "/add")
async def add_products(
    request: Request,
    actor: Librarian,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    back: Back = "",
) -> Response:
    async def apply() -> Response:
        form = await request.form()
        raw = [str(v) for v in form.getlist("product_id")]
        added = await library.add_products(session, actor, forms.product_ids(raw))
        return redirect_with_flash(_back(back), "library.done.added", count=added)

    return await submit_change(request, actor, csrf_token, apply, _back(back))


@router.post(LIBRARY + "/add-category")
async def add_category(
    request: Request,
    actor: Librarian,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    category_id: Annotated[str, Form(max_length=64)] = "",
    back: Back = "",
) -> Response:
    async def apply() -> Response:
        added = await library.add_category(session, actor, forms.category_id(category_id))
        return redirect_with_flash(_back(back), "library.done.added", count=added)

    return await submit_change(request, actor, csrf_token, apply, _back(back))


@router.post(LIBRARY + "/remove")
async def remove_product(
    request: Request,
    actor: Librarian,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    product_id: Annotated[str, Form(max_length=64)] = "",
    back: Back = "",
) -> Response:
    async def apply() -> Response:
        await library.remove_products(session, actor, forms.product_ids([product_id]))
        return redirect_with_flash(_back(back, LIBRARY), "library.done.removed")

    return await submit_change(request, actor, csrf_token, apply, _back(back))


@router.post(LIBRARY + "/price")
async def set_price(
    request: Request,
    actor: Librarian,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    product_id: Annotated[str, Form(max_length=64)] = "",
    retail_price: Annotated[str, Form(max_length=64)] = "",
    back: Back = "",
) -> Response:
    async def apply() -> Response:
        [product] = forms.product_ids([product_id])
        price = forms.retail_price_fen(retail_price)
        await library.set_retail_price(session, actor, product, price)
        return redirect_with_flash(_back(back, LIBRARY), "library.done.price_saved")

    return await submit_change(request, actor, csrf_token, apply, _back(back))


def _back(back: str, default: str = POOL) -> str:
    """Where to go after a change: the workbench page the form was on, else ``default``."""
    path = local_path(back) if back else default
    return path if path.startswith("/workbench/") else default
