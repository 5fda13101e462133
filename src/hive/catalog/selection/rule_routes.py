"""Operators' selection rule pages: the list (each rule's conditions in words), a form to
create and edit a rule, delete (asked first), preview and run."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import reference
from hive.catalog.selection import repository, rule_jobs, rules
from hive.catalog.selection.export_sources import RULE_RUN_RECORDS
from hive.catalog.selection.routes import (
    RULES,
    _adapter,
    _areas,
    _enabled_suppliers,
)
from hive.catalog.selection.rule_form import FIELDS, describe, form_values, read_rule_form
from hive.console import job_pages, pickers
from hive.console.callers import viewing
from hive.console.error_pages import field_errors, problem_lines
from hive.console.export_pages import request_export
from hive.console.forms import CsrfToken
from hive.console.i18n import translator
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import refuse_unknown
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError, NotFound
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, parse_id

router = APIRouter(include_in_schema=False)
RulesViewer = Annotated[Actor, viewing(View.RULES)]
CHECKBOX_LISTS = ("category_whitelist", "category_blacklist")


async def _categories(request: Request, session: AsyncSession, supplier_id: int) -> list[Any]:
    """The supplier's category tree (learnt from it the first time it is needed)."""
    choices = await reference.supplier_category_choices(session, supplier_id)
    if choices:
        return choices
    try:
        await reference.sync_categories(database_of(request), await _adapter(request, supplier_id))
    except HiveError:
        return []
    return await reference.supplier_category_choices(session, supplier_id)


def _chosen_supplier(submitted: object, suppliers: list[Any]) -> int:
    """The enabled supplier the form names, else the first one (0: none). The value comes back
    from a refused form as typed, so it is matched, never parsed."""
    for supplier in suppliers:
        if str(supplier.id) == str(submitted):
            return int(supplier.id)
    return int(suppliers[0].id) if suppliers else 0


async def _page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    editing: Any = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    suppliers = await _enabled_suppliers(request)
    t = translator(language_of(request))
    async with database_of(request).platform_transaction() as session:
        saved = await rules.list_rules(session)
        values = values or {"max_products": "200", "require_in_stock": True}
        supplier_id = _chosen_supplier(values.get("supplier_id"), suppliers)
        choices = await _categories(request, session, supplier_id) if supplier_id else []
    names = {row[0]: row[2] for row in choices}
    return render(
        request,
        "catalog_rules.html",
        status_code=status_code,
        actor=actor,
        rules=[(rule, describe(rule.conditions, names, t)) for rule in saved],
        supplier_options=[(str(s.id), s.name) for s in suppliers],
        category_roots=pickers.tree(choices),
        values=values,
        editing=editing,
        trail=[(editing.name, None)] if hasattr(editing, "name") else [],
        **extra,
    )


async def _submitted(request: Request) -> tuple[dict[str, Any], dict[str, list[str]]]:
    form = await request.form()
    verify_csrf(request.session, str(form.get("csrf_token", "")))
    values: dict[str, Any] = {k: str(form.get(k, ""))[:2000] for k in FIELDS}
    lists = {k: [str(v)[:20] for v in form.getlist(k)][:500] for k in CHECKBOX_LISTS}
    values.update(lists)
    values["require_in_stock"] = bool(form.get("require_in_stock"))
    values["scheduled"] = bool(form.get("scheduled"))
    return values, lists


async def _save(request: Request, actor: Actor, rule_id: int | None) -> Response:
    values, lists = await _submitted(request)
    editing = None
    try:
        data = read_rule_form(values, lists)
        async with database_of(request).platform_transaction() as session:
            if rule_id is None:
                await rules.create_rule(session, actor, data)
            else:
                editing = await rules.update_rule(session, actor, rule_id, data)
    except HiveError as error:
        by_field, others = field_errors(request, error, [*FIELDS, *CHECKBOX_LISTS])
        if error.code == "selection_rule_name_taken":
            by_field, others = {"name": others}, []
        return await _page(
            request,
            actor,
            status_code=error.http_status,
            values=values,
            errors=by_field,
            problems=others,
            editing={"id": rule_id} if rule_id else None,
        )
    done = "rule.done.created" if editing is None else "rule.done.saved"
    return redirect_with_flash(RULES, done, name=data.name)


@router.get(RULES)
async def rules_page(request: Request, actor: RulesViewer) -> Response:
    return await _page(request, actor)


@router.post(RULES)
async def rule_create(request: Request, actor: RulesViewer) -> Response:
    return await _save(request, actor, None)


@router.get(RULES + "/{rule_id}")
async def rule_edit_page(request: Request, actor: RulesViewer, rule_id: Id) -> Response:
    rule, _ = await rules.load_rule(database_of(request), rule_id)
    values = form_values(rule.name, rule.supplier_id, rule.scheduled, rule.conditions)
    return await _page(request, actor, editing=rule, values=values)


@router.post(RULES + "/{rule_id}")
async def rule_update(request: Request, actor: RulesViewer, rule_id: Id) -> Response:
    return await _save(request, actor, rule_id)


@router.post(RULES + "/{rule_id}/{action}")
async def rule_action(
    request: Request,
    actor: RulesViewer,
    rule_id: Id,
    action: str,
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    if action not in ("preview", "run", "delete"):
        raise NotFound()
    database = database_of(request)
    try:
        if action == "delete":
            async with database.platform_transaction() as session:
                name = await rules.delete_rule(session, actor, rule_id)
            return redirect_with_flash(RULES, "rule.done.deleted", name=name)
        rule, _ = await rules.load_rule(database, rule_id)
        adapter = await _adapter(request, rule.supplier_id)
        if action == "preview":
            preview = await rules.preview_rule(
                database, adapter, rule_id, stock_areas=_areas(request)
            )
            return render(
                request,
                "catalog_rule_preview.html",
                actor=actor,
                rule=rule,
                preview=preview,
                trail=[(rule.name, None)],
            )
        async with database.platform_transaction() as session:
            job_id = await rule_jobs.start_rule_job(session, actor, rule_id)
    except HiveError as error:
        return await _page(
            request, actor, status_code=error.http_status, problems=problem_lines(request, error)
        )
    progress = f"{RULES}/{rule_id}/progress?job={job_id}"
    return redirect_with_flash(progress, "rule.done.queued", level="info", name=rule.name)


@router.get(RULES + "/{rule_id}/progress")
async def rule_progress(request: Request, actor: RulesViewer, rule_id: Id) -> Response:
    """The rule's latest run: a progress bar that refreshes itself (htmx) until the run has
    finished, then its summary. ``fragment=1`` answers the progress box alone."""
    params = dict(request.query_params)
    refuse_unknown(params, ["job", "fragment"])
    since_job = parse_id(params.get("job"), "job")
    rule, _ = await rules.load_rule(database_of(request), rule_id)
    async with database_of(request).platform_transaction() as session:
        progress = await rule_jobs.run_progress(session, rule_id, since_job)
        run = await repository.latest_run(session, rule_id)
    records = None
    if run is not None and progress.state != "queued":
        records = f"{RULES}/{rule_id}/runs/{run.id}/records/export"
    return render(
        request,
        "job_progress_box.html" if params.get("fragment") else "rule_progress.html",
        actor=actor,
        rule=rule,
        progress=progress,
        reason_text=partial(job_pages.reason_text, translator(language_of(request))),
        refresh=f"{RULES}/{rule_id}/progress?{urlencode({**params, 'fragment': '1'})}",
        export=records,
        trail=[(rule.name, None)],
    )


@router.post(RULES + "/{rule_id}/runs/{run_id}/records/export")
async def rule_run_records(
    request: Request, actor: RulesViewer, rule_id: Id, run_id: Id
) -> Response:
    """Export what a run of the rule did, SKU by SKU (added, failed and why, removed), as a
    job (hive.catalog.selection.export_sources)."""
    return await request_export(
        request, actor, RULE_RUN_RECORDS, fixed={"rule": str(rule_id), "run": str(run_id)}
    )
