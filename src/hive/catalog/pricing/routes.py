"""Operators' pricing pages: rules (list, edit as a form, preview), floors, grades and their
coefficients, full reprices with progress, products bought above their price, special prices,
and the explanation of any product's price for any tenant or grade. Thin: forms are read by
:mod:`forms`, rules live in :mod:`rules` and :mod:`service`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from hive.catalog import reference
from hive.catalog.pricing import forms, preview_job, repository, rules, service
from hive.catalog.pricing.models import PricingRule
from hive.catalog.pricing.preview_routes import preview_path
from hive.catalog.pricing.schemas import MAX_BANDS
from hive.catalog.pricing.texts import PRICING_TEXTS, run_reason
from hive.console import i18n, job_pages, pickers
from hive.console.callers import viewing
from hive.console.error_pages import problem_lines
from hive.console.forms import posted_form
from hive.console.pages import language_of, render
from hive.console.tables import read_table, refuse_unknown
from hive.customers import service as customers
from hive.platform.actor import Actor
from hive.platform.errors import HiveError, NotFound
from hive.platform.http import database_of
from hive.platform.money import format_money_exact, format_yuan
from hive.platform.permissions import Action, View, allowed, may_view, require
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)
PricingViewer = Annotated[Actor, viewing(View.PRICING)]
i18n.extend(PRICING_TEXTS)

HOME = "/admin/pricing"
RULES = HOME + "/rules"
SPECIALS = HOME + "/special-prices"
SPECIALS_PAGE_SIZE = 50
BAND_ROWS = 5
# Step parameters that are amounts of fen (shown as money on the explanation).
MONEY_PARAMS = ("min", "max", "floor", "ceiling", "special")


def _text(form: FormData) -> dict[str, str]:
    return {key: str(value) for key, value in form.items()}


def _refusal(request: Request, error: HiveError) -> str:
    return "；".join(problem_lines(request, error))


@router.get(HOME)
async def pricing_page(request: Request, actor: PricingViewer) -> Response:
    return await _home(request, actor)


async def _home(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    async with database_of(request).platform_transaction() as session:
        context = {
            "rules": await repository.list_rules(session),
            "floors": await repository.list_floors(session),
            # The floor's category is picked from the tree, never typed as an id.
            "category_roots": pickers.tree(await reference.category_choices(session)),
            "grades": await customers.list_grades(session),
            "runs": await rules.latest_runs(session),
            "below_cost": await repository.below_cost(session),
        }
        products, grades = await rules.products_to_reprice(session)
    context["reprice_question"] = _reprice_question(
        i18n.translator(language_of(request)), products, grades
    )
    default = request.app.state.settings.pricing_min_margin_percent
    return render(
        request,
        "pricing.html",
        status_code=status_code,
        actor=actor,
        default_margin=default,
        run_reason=partial(run_reason, i18n.translator(language_of(request))),
        # Finance reads this page: no form it could not send, no link to a page it cannot open.
        may_manage=allowed(actor.role, Action.MANAGE_PRICING),
        may_see_jobs=may_view(actor.role, View.JOBS),
        **context,
        **extra,
    )


@router.get(RULES + "/new")
async def new_rule_page(request: Request, actor: PricingViewer) -> Response:
    """The empty rule form; 403 for a role that may not change pricing (finance)."""
    require(actor, Action.MANAGE_PRICING)
    draft = {"scope": "category", "base": "cost_plus"}
    return await _rule_page(request, actor, None, draft, [])


@router.get(RULES + "/{rule_id}")
async def rule_page(request: Request, actor: PricingViewer, rule_id: Id) -> Response:
    async with database_of(request).platform_transaction() as session:
        rule = await repository.get_rule(session, rule_id)
        if rule is None:
            raise NotFound()
        bands = await repository.bands_of(session, rule_id)
    draft = {
        **_target_fields(rule),
        "base": rule.base,
        "percent": str(rule.percent.normalize()),
        "rounding": rule.rounding,
        "allow_above_retail": "1" if rule.allow_above_retail else "",
    }
    rows = [
        (
            format_yuan(b.min_fen),
            format_yuan(b.max_fen) if b.max_fen else "",
            str(b.adjust_percent.normalize()),
        )
        for b in bands
    ]
    return await _rule_page(request, actor, rule_id, draft, rows)


def _target_fields(rule: PricingRule) -> dict[str, str]:
    return {
        "scope": rule.scope,
        "category_id": str(rule.category_id or ""),
        "brand": rule.brand or "",
        "product_id": str(rule.product_id or ""),
    }


async def _rule_page(
    request: Request,
    actor: Actor,
    rule_id: int | None,
    draft: dict[str, str],
    bands: list[tuple[str, str, str]],
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The rule form (or, for a role that may not change pricing, the rule read-only): the
    category is picked from the tree and named, never typed or shown as an id."""
    may_manage = allowed(actor.role, Action.MANAGE_PRICING)
    rows = bands if not may_manage else (bands + [("", "", "")] * BAND_ROWS)
    rows = rows[: max(BAND_ROWS, len(bands))][:MAX_BANDS]
    async with database_of(request).platform_transaction() as session:
        roots = pickers.tree(await reference.category_choices(session))
        category_id = _typed_id(draft.get("category_id", ""))
        name = await reference.category_name(session, category_id) if category_id else None
    return render(
        request,
        "pricing_rule.html",
        status_code=status_code,
        actor=actor,
        rule_id=rule_id,
        draft=draft,
        bands=rows,
        category_roots=roots,
        # The scope line names the category (its path in the tree; a retired one by name).
        category_label=pickers.label_of(roots, category_id) or name or "",
        may_manage=may_manage,
        **extra,
    )


def _typed_id(raw: str) -> int | None:
    """An id as posted back in a draft, or None (blank or not an id: the form says why)."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


@router.post(RULES)
async def rule_create(request: Request, actor: PricingViewer) -> Response:
    return await _rule_submit(request, actor, None)


@router.post(RULES + "/{rule_id}")
async def rule_change(request: Request, actor: PricingViewer, rule_id: Id) -> Response:
    return await _rule_submit(request, actor, rule_id)


async def _rule_submit(request: Request, actor: Actor, rule_id: int | None) -> Response:
    form = await posted_form(request)
    draft = _text(form)
    if rule_id is not None:
        # A rule's scope and target are fixed: taken from the rule, never from the form.
        async with database_of(request).platform_transaction() as session:
            rule = await repository.get_rule(session, rule_id)
        if rule is None:
            raise NotFound()
        draft.update(_target_fields(rule))
    rows = list(
        zip(
            [str(v) for v in form.getlist("band_min")],
            [str(v) for v in form.getlist("band_max")],
            [str(v) for v in form.getlist("band_adjust")],
            strict=False,
        )
    )
    try:
        data = forms.read_rule(draft, rows)
        found: rules.Preview | int | None = None
        async with database_of(request).platform_transaction() as session:
            if draft.get("intent") == "preview":
                found = await preview_job.start_preview(
                    session,
                    actor,
                    draft,
                    rows,
                    rule_id=rule_id,
                    inline_max=request.app.state.settings.pricing_preview_inline_max,
                )
            else:
                await rules.save_rule(session, actor, data, rule_id=rule_id)
        if isinstance(found, int):  # a large pool: computed by a job, shown there
            return RedirectResponse(preview_path(found), status_code=303)
        if found is not None:
            return await _rule_page(request, actor, rule_id, draft, rows, preview=found)
    except HiveError as error:
        return await _rule_page(
            request,
            actor,
            rule_id,
            draft,
            rows,
            status_code=error.http_status,
            error=_refusal(request, error),
        )
    return RedirectResponse(HOME, status_code=303)


@router.post(RULES + "/{rule_id}/delete")
async def rule_delete(request: Request, actor: PricingViewer, rule_id: Id) -> Response:
    await posted_form(request)
    return await _on_home(
        request, actor, lambda session: rules.delete_rule(session, actor, rule_id)
    )


@router.post(HOME + "/floors")
async def floor_save(request: Request, actor: PricingViewer) -> Response:
    form = _text(await posted_form(request))

    async def save(session: AsyncSession) -> None:
        category_id = forms.read_id(form.get("category_id", ""), "category_id")
        raw = form.get("min_margin_percent", "").strip()
        margin = forms.read_margin(raw) if raw else None
        await rules.set_floor(session, actor, category_id, margin)

    return await _on_home(request, actor, save)


@router.post(HOME + "/grades/{grade_id}")
async def grade_coefficient(request: Request, actor: PricingViewer, grade_id: Id) -> Response:
    form = _text(await posted_form(request))

    async def save(session: AsyncSession) -> None:
        coefficient = forms.read_coefficient(form.get("price_coefficient", ""))
        await rules.set_grade_coefficient(session, actor, grade_id, coefficient)

    return await _on_home(request, actor, save)


async def _on_home(
    request: Request, actor: Actor, change: Callable[[AsyncSession], Awaitable[object]]
) -> Response:
    """Run ``change`` in a platform transaction and go back to the pricing page; a refusal
    shows the page again with the reason (nothing changed)."""
    try:
        async with database_of(request).platform_transaction() as session:
            await change(session)
    except HiveError as error:
        return await _home_refused(request, actor, error)
    return RedirectResponse(HOME, status_code=303)


async def _home_refused(request: Request, actor: Actor, error: HiveError) -> Response:
    return await _home(
        request, actor, status_code=error.http_status, error=_refusal(request, error)
    )


@router.post(HOME + "/reprice")
async def reprice_all(request: Request, actor: PricingViewer) -> Response:
    """Reprice every product as a job (its progress page next); asked without ``confirm=1``,
    nothing starts and the confirmation names the products and grades it will touch."""
    form = await posted_form(request)
    try:
        async with database_of(request).platform_transaction() as session:
            if not job_pages.confirmed(form):
                products, grades = await rules.reprice_scope(session, actor)
                t = i18n.translator(language_of(request))
                return job_pages.confirm_page(
                    request,
                    actor,
                    title_key="pricing.reprice.job",
                    text=_reprice_question(t, products, grades),
                    action=HOME + "/reprice",
                    back=HOME,
                )
            row = await rules.request_full_reprice(session, actor)
    except HiveError as error:
        return await _home_refused(request, actor, error)
    return RedirectResponse(job_pages.progress_path(row.id), status_code=303)


def _reprice_question(t: Callable[[str], str], products: int, grades: int) -> str:
    return t("pricing.reprice.confirm").format(products=f"{products:,}", grades=grades)


# Listed with the other long actions (/admin/jobs/<id>: progress, summary and cancel).
job_pages.register_kind(
    job_pages.JobKind(rules.REPRICE_KIND, View.PRICING, "pricing.reprice.job", back=lambda _: HOME)
)


@router.get(HOME + "/explain")
async def explain_page(request: Request, actor: PricingViewer) -> Response:
    params = dict(request.query_params)
    context: dict[str, Any] = {
        "actor": actor,
        "params": params,
        # A step's amount exactly, fractions of a fen included (¥60.00, ¥37.047512).
        "money_exact": format_money_exact,
        "money_params": MONEY_PARAMS,
    }
    async with database_of(request).platform_transaction() as session:
        context["grades"] = await customers.list_grades(session)
        if params.get("product_id"):
            try:
                context["explanation"] = await _explain(session, params)
            except HiveError as error:
                return render(
                    request,
                    "pricing_explain.html",
                    status_code=error.http_status,
                    error=_refusal(request, error),
                    **context,
                )
    return render(request, "pricing_explain.html", **context)


async def _explain(session: Any, params: dict[str, str]) -> service.Explanation:
    product_id = forms.read_id(params.get("product_id", ""), "product_id")
    if params.get("tenant_id", "").strip():
        tenant_id = forms.read_id(params["tenant_id"], "tenant_id")
        return await service.explain(session, product_id, tenant_id=tenant_id)
    grade_id = forms.read_id(params.get("grade_id", ""), "grade_id")
    return await service.explain(session, product_id, grade_id=grade_id)


@router.get(SPECIALS)
async def specials_page(request: Request, actor: PricingViewer) -> Response:
    return await _specials(request, actor)


async def _specials(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ["page"])
    table = read_table(params, path=SPECIALS, page_size=SPECIALS_PAGE_SIZE)
    async with database_of(request).platform_transaction() as session:
        page = partial(repository.list_special_prices, session, limit=table.page_size)
        specials, total = await page(offset=table.offset)
        asked, table = table.page, table.with_total(total)
        if table.page != asked:  # past the last page: show the last one
            specials, _ = await page(offset=table.offset)
    return render(
        request,
        "pricing_specials.html",
        status_code=status_code,
        actor=actor,
        specials=specials,
        table=table,
        **extra,
    )


@router.post(SPECIALS)
async def special_create(request: Request, actor: PricingViewer) -> Response:
    form = _text(await posted_form(request))
    try:
        data = forms.read_special_price(form)
        async with database_of(request).platform_transaction() as session:
            await rules.add_special_price(session, actor, data)
    except HiveError as error:
        return await _specials(
            request,
            actor,
            status_code=error.http_status,
            error=_refusal(request, error),
            draft=form,
        )
    return RedirectResponse(SPECIALS, status_code=303)


@router.post(SPECIALS + "/{special_id}/delete")
async def special_delete(request: Request, actor: PricingViewer, special_id: Id) -> Response:
    await posted_form(request)
    try:
        async with database_of(request).platform_transaction() as session:
            await rules.delete_special_price(session, actor, special_id)
    except HiveError as error:
        return await _specials(
            request, actor, status_code=error.http_status, error=_refusal(request, error)
        )
    return RedirectResponse(SPECIALS, status_code=303)
