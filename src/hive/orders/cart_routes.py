"""Workbench cart and checkout pages: add library products to the cart, change or remove
lines, and check out — an address (area pickers), receiver, mobile and remark — into an order
accepted by the same rules as the Open API. A refusal shows the checkout again with the reason
next to the lines concerned (a changed price with the new one, a product no longer for sale)
or the fields, in the user's language; nothing is written then."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hive.billing import service as billing
from hive.billing.errors import InsufficientFunds
from hive.catalog.library import forms as library_forms
from hive.console import i18n
from hive.console.callers import TenantSession, tenant_id_of, viewing
from hive.console.error_pages import problem_lines
from hive.console.forms import CsrfToken, answer_form, posted_form, refusal, submit_change
from hive.console.i18n import translator
from hive.console.pages import language_of, local_path, redirect_with_flash, render
from hive.orders import area_fill, cart, checkout_form
from hive.orders.cart_texts import CART_TEXTS
from hive.orders.errors import (
    AreaNotDeliverable,
    OutOfStockForArea,
    PriceChanged,
    ProductsNotOrderable,
)
from hive.orders.quotation import quote_new_order
from hive.platform.actor import Actor
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.money import format_money
from hive.platform.permissions import View
from hive.platform.validation import InvalidInput, parse_int

i18n.extend(CART_TEXTS)
router = APIRouter(include_in_schema=False)

CART = "/workbench/cart"
CHECKOUT = "/workbench/checkout"
Shopper = Annotated[Actor, viewing(View.WORKBENCH_CART)]
Small = Annotated[str, Form(max_length=64)]
Back = Annotated[str, Form(max_length=2048)]


def _quantity(raw: str) -> int:
    return parse_int(raw or "1", "quantity", minimum=1, maximum=9_999) or 1


def _product(raw: str) -> int:
    [product_id] = library_forms.product_ids([raw])
    return product_id


def _back(back: str) -> str:
    path = local_path(back) if back else CART
    return path if path.startswith("/workbench/") else CART


@router.get(CART)
async def cart_page(request: Request, actor: Shopper, session: TenantSession) -> Response:
    items = await cart.cart_items(session, actor)
    async with database_of(request).platform_transaction() as platform:
        lines = await cart.priced_lines(
            platform, tenant_id_of(actor), [(i.product_id, i.quantity) for i in items]
        )
    return render(request, "workbench_cart.html", actor=actor, lines=lines)


@router.post(CART + "/add")
async def add(
    request: Request,
    actor: Shopper,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    product_id: Small = "",
    quantity: Small = "1",
    back: Back = "",
) -> Response:
    async def apply() -> Response:
        await cart.add_to_cart(session, actor, _product(product_id), _quantity(quantity))
        return redirect_with_flash(_back(back), "cart.done.added")

    return await submit_change(request, actor, csrf_token, apply, _back(back))


@router.post(CART + "/quantity")
async def change(
    request: Request,
    actor: Shopper,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    product_id: Small = "",
    quantity: Small = "",
) -> Response:
    async def apply() -> Response:
        await cart.change_quantity(session, actor, _product(product_id), _quantity(quantity))
        return redirect_with_flash(CART, "cart.done.changed")

    return await submit_change(request, actor, csrf_token, apply, CART)


@router.post(CART + "/remove")
async def remove(
    request: Request,
    actor: Shopper,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    product_id: Small = "",
) -> Response:
    async def apply() -> Response:
        await cart.remove_from_cart(session, actor, [_product(product_id)])
        return redirect_with_flash(CART, "cart.done.removed")

    return await submit_change(request, actor, csrf_token, apply, CART)


async def _pickers(request: Request, wanted: dict[str, int | None]) -> checkout_form.AreaPickers:
    """The area pickers, fetching a level from a supplier the first time it is needed."""
    database = database_of(request)
    for _attempt in range(len(checkout_form.AREA_FIELDS) + 1):
        async with database.platform_transaction() as session:
            pickers = await checkout_form.area_pickers(session, wanted)
        missing = area_fill.missing_level(pickers)
        if missing is None or not await area_fill.fill_level(request, *missing):
            return pickers
    return pickers


@router.get("/workbench/areas")
async def area_pickers(request: Request, actor: Shopper) -> Response:
    """The four area selects again for the chosen parents (htmx swaps them in)."""
    pickers = await _pickers(request, checkout_form.chosen_areas(request.query_params))
    return render(request, "_area_pickers.html", actor=actor, pickers=pickers, errors={})


@router.get(CHECKOUT)
async def checkout_page(request: Request, actor: Shopper, session: TenantSession) -> Response:
    items = await cart.cart_items(session, actor)
    return await _checkout(
        request,
        actor,
        [(i.product_id, i.quantity) for i in items],
        {"order_no": cart.new_order_no()},
        {},
    )


async def _checkout(
    request: Request,
    actor: Actor,
    items: list[tuple[int, int]] | Any,
    values: dict[str, str],
    wanted: dict[str, int | None],
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    problems: list[str] | None = None,
    notes: dict[int, str] | None = None,
) -> Response:
    tenant_id = tenant_id_of(actor)
    async with database_of(request).platform_transaction() as session:
        lines = await cart.priced_lines(session, tenant_id, list(items))
        account = await billing.account_summary(session, actor, tenant_id)
    return render(
        request,
        "workbench_checkout.html",
        status_code=status_code,
        actor=actor,
        lines=lines,
        total_fen=sum(line.amount_fen for line in lines),
        spendable_fen=account.spendable_fen,
        pickers=await _pickers(request, wanted),
        values=values,
        errors=errors or {},
        problems=problems or [],
        notes=notes or {},
        trail=[(translator(language_of(request))("cart.checkout_title"), None)],
    )


@router.post(CHECKOUT)
async def checkout(request: Request, actor: Shopper) -> Response:
    form = await posted_form(request)
    wanted = checkout_form.chosen_areas({k: str(v) for k, v in form.items()})
    values = checkout_form.form_values(form)
    items = checkout_form.item_pairs(form)
    pickers = await _pickers(request, wanted)

    async def apply() -> Response:
        order = checkout_form.order_request(form, pickers, wanted)
        database = database_of(request)
        quote = await quote_new_order(
            database, request.app.state.adapters, cart.shopper_tenant(actor), order
        )
        async with database.platform_transaction() as session:
            accepted = await cart.place_from_cart(
                session, actor, order, request.app.state.secrets, quote
            )
        return redirect_with_flash(
            f"/workbench/orders/{accepted.order.order_no}",
            "cart.done.ordered",
            order_no=accepted.order.order_no,
        )

    async def refused(error: HiveError) -> Response:
        if isinstance(error, InvalidInput):
            shown = refusal(request, error, checkout_form.FIELDS)
            return await _checkout(request, actor, items, values, wanted, **shown)
        notes, lines = _line_notes(request, error)
        return await _checkout(
            request,
            actor,
            items,
            values,
            wanted,
            status_code=error.http_status,
            problems=lines,
            notes=notes,
        )

    return await answer_form(apply, refused)


def _line_notes(request: Request, error: HiveError) -> tuple[dict[int, str], list[str]]:
    """A refusal as notes next to the lines it concerns, and lines for the box above."""
    t = translator(language_of(request))
    if isinstance(error, PriceChanged):
        changed = {
            int(p["product_id"]): int(p["current_price"]) for p in error.details.get("prices", [])
        }
        notes = {
            pid: t("cart.price_changed").format(price=format_money(fen))
            for pid, fen in changed.items()
        }
        return notes, [t("cart.refused.price_changed")]
    if isinstance(error, ProductsNotOrderable):
        gone = [int(p) for p in error.details.get("product_ids", [])]
        return {pid: t("cart.unavailable") for pid in gone}, [t("cart.refused.unavailable")]
    if isinstance(error, OutOfStockForArea | AreaNotDeliverable):
        short = isinstance(error, OutOfStockForArea)
        refused = "cart.out_of_stock" if short else "cart.undeliverable"
        ids = [int(p) for p in error.details.get("product_ids", [])]
        return {pid: t(refused) for pid in ids}, problem_lines(request, error)
    if isinstance(error, InsufficientFunds):
        return {}, [t("cart.refused.insufficient_funds")]
    return {}, problem_lines(request, error)
