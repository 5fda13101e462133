"""The pages of exports run as jobs (hive.console.export_jobs): asking for one, its progress
page, its cancel button and its file.

A list's "导出 CSV" posts the list's current filters to the list's export route, which calls
:func:`request_export`: the filters are checked as the page checks them (422 before anything
starts), the rows counted; more than ``export_confirm_rows`` rows and not yet confirmed, the
confirmation page names the count and nothing starts; else the export starts and the browser
goes to its page, ``/admin/exports/<id>`` for staff and ``/workbench/exports/<id>`` for a
tenant's user. The page shows the progress box (reloaded every 2 s with htmx) and, once
finished, the download link with the row count, the size and until when the file is kept.

An export is its asker's alone: its page, its file and its cancel button answer 404 to anyone
else, another user of the same tenant or staff included (a platform admin too: the file holds
what the asker's filters and role let them read, and anyone who may read the list exports it
again with the filters its page shows), and a tenant's export is only ever served under
/workbench to a user of that tenant. Each download is audited (``export.download``: who, when,
which export and how many rows), beside ``export.start``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from hive.console import export_files, i18n
from hive.console.callers import StaffActor, TenantActor
from hive.console.export_filters import describe
from hive.console.export_jobs import (
    ExportSource,
    Translate,
    actor_of,
    count_export,
    is_export,
    source_of,
    start_export,
    transaction_of,
)
from hive.console.forms import CsrfToken, posted_form
from hive.console.job_pages import confirm_page, confirmed, reason_text
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import refuse_unknown
from hive.console.timefmt import DISPLAY_TIMEZONE
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.config import Settings
from hive.platform.csrf import verify_csrf
from hive.platform.errors import Conflict
from hive.platform.http import database_of
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)
STAFF = "/admin/exports"
TENANT = "/workbench/exports"
NOT_FILTERS = ("csrf_token", "confirm")


class ExportNotReady(Conflict):
    code = "export_not_ready"
    default_message = "文件尚未生成或已过期 / The file is not ready or has expired"


def page_path(actor: Actor, progress_id: int) -> str:
    return f"{TENANT if actor.tenant_id is not None else STAFF}/{progress_id}"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def request_export(
    request: Request, actor: Actor, source: ExportSource, *, fixed: Mapping[str, str] | None = None
) -> Response:
    """Start an export of ``source`` with the posted filters, or ask first when it is large.
    ``fixed``: filters from the route's address (a tenant's id), never taken from the form (a
    posted one of those names is refused as unknown)."""
    form = await posted_form(request)
    posted = {k: str(v) for k, v in form.items() if k not in NOT_FILTERS and str(v) != ""}
    fixed = dict(fixed or {})
    if not set(fixed) <= set(source.fixed):  # the source names them, for its back link
        raise TypeError(f"export {source.name}: fixed filters {sorted(fixed)} not declared")
    refuse_unknown({k: v for k, v in posted.items() if k in fixed}, ())
    filters = {**posted, **fixed}
    database = database_of(request)
    rows = await count_export(database, source, actor, filters)
    t = i18n.translator(language_of(request))
    if rows > _settings(request).export_confirm_rows and not confirmed(form):
        return confirm_page(
            request,
            actor,
            title_key=source.title_key,
            text=t("export.confirm").format(rows=f"{rows:,}"),
            action=request.url.path,
            back=back_of(source, filters),
            fields=posted,
        )
    async with database.platform_transaction() as session:
        row = await start_export(
            session, actor, source, filters, rows=rows, language=language_of(request)
        )
    return RedirectResponse(page_path(actor, row.id), status_code=303)


def back_of(source: ExportSource, filters: Mapping[str, Any]) -> str:
    """Where 返回 goes: the list as it was asked, ``source.back`` with its ``{name}`` parts
    filled from the filters and the posted filters (its search, sort and order) as its query
    (not those of the route's address, ``source.fixed``)."""
    path = source.back.format_map({k: quote(str(v), safe="") for k, v in filters.items()})
    query = urlencode({k: str(v) for k, v in filters.items() if k not in source.fixed})
    return f"{path}?{query}" if query else path


async def _owned(request: Request, actor: Actor, progress_id: int) -> progress.JobProgress:
    """The export, if ``actor`` asked for it; anything else is "no such job" (404)."""
    async with database_of(request).platform_transaction() as session:
        row = await progress.get_progress(session, progress_id)
    asker = actor_of(row) if is_export(row) else None
    if asker is None or (asker.user_id, asker.tenant_id) != (actor.user_id, actor.tenant_id):
        raise progress.ProgressNotFound(details={"progress_id": progress_id})
    return row


def _file(settings: Settings, row: progress.JobProgress) -> tuple[Any, int | None, datetime | None]:
    """The export's file path, its size (None: not there) and until when it is kept."""
    path = export_files.file_path(settings, row.id, str(row.params["token"]))
    if row.status != progress.FINISHED or row.finished_at is None:
        return path, None, None
    expires = export_files.expires_at(settings, row.finished_at)
    if expires <= datetime.now(expires.tzinfo):
        return path, None, expires
    return path, export_files.size_of(path), expires


def human_size(size: int) -> str:
    """Bytes as people read them: 980 B, 12.3 KB, 4.5 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


async def _page(request: Request, actor: Actor, progress_id: int) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ["fragment"])
    row = await _owned(request, actor, progress_id)
    source = source_of(row)
    _, size, expires = _file(_settings(request), row)
    t = i18n.translator(language_of(request))
    base = page_path(actor, row.id)
    return render(
        request,
        "export_box.html" if params.get("fragment") else "export_progress.html",
        actor=actor,
        row=row,
        progress=progress.view_of(row),
        title=t(source.title_key),
        filters=await _shown_filters(request, actor, source, row.params.get("filters") or {}, t),
        reason_text=lambda code: reason_text(t, code),
        refresh=None,
        box_refresh=f"{base}?fragment=1",
        download=f"{base}/file" if size is not None else None,
        size=human_size(size) if size is not None else "",
        expires=expires,
        cancel=f"{base}/cancel",
        back=back_of(source, row.params.get("filters") or {}),
        trail=[(t(source.title_key), None)],
    )


async def _shown_filters(
    request: Request, actor: Actor, source: ExportSource, filters: Mapping[str, Any], t: Translate
) -> list[tuple[str, str, str]]:
    """The asked filters with their labels and values in words (read as the export reads)."""
    async with transaction_of(database_of(request), source, actor)() as session:
        return await describe(session, source.filters, filters, t)


async def _download(request: Request, actor: Actor, progress_id: int) -> Response:
    row = await _owned(request, actor, progress_id)
    path, size, _ = _file(_settings(request), row)
    if size is None:
        raise ExportNotReady(details={"progress_id": progress_id})
    async with database_of(request).platform_transaction() as session:
        await record_audit(
            session,
            actor,
            "export.download",
            target_type="job_progress",
            target_id=row.id,
            details={
                "export": str(row.params["source"]),
                "rows": (row.counts or {}).get("rows", 0),
            },
        )
    stamp = (row.finished_at or datetime.now()).astimezone(DISPLAY_TIMEZONE)
    name = f"{source_of(row).file_name}-{stamp:%Y%m%d-%H%M}.csv"
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=name,
        headers={"cache-control": "no-store"},
    )


async def _cancel(request: Request, actor: Actor, progress_id: int, csrf_token: str) -> Response:
    verify_csrf(request.session, csrf_token)
    await _owned(request, actor, progress_id)
    page = page_path(actor, progress_id)
    async with database_of(request).platform_transaction() as session:
        row = await progress.request_cancel(session, progress_id)
        if row.status in progress.ENDED:
            return redirect_with_flash(page, "job.done.ended", level="info")
        await record_audit(
            session, actor, "job.cancel", target_type="job_progress", target_id=progress_id
        )
    return redirect_with_flash(page, "job.done.cancel_requested")


@router.get(STAFF + "/{progress_id}")
async def staff_page(request: Request, actor: StaffActor, progress_id: Id) -> Response:
    return await _page(request, actor, progress_id)


@router.get(TENANT + "/{progress_id}")
async def tenant_page(request: Request, actor: TenantActor, progress_id: Id) -> Response:
    return await _page(request, actor, progress_id)


@router.get(STAFF + "/{progress_id}/file")
async def staff_file(request: Request, actor: StaffActor, progress_id: Id) -> Response:
    return await _download(request, actor, progress_id)


@router.get(TENANT + "/{progress_id}/file")
async def tenant_file(request: Request, actor: TenantActor, progress_id: Id) -> Response:
    return await _download(request, actor, progress_id)


@router.post(STAFF + "/{progress_id}/cancel")
async def staff_cancel(
    request: Request, actor: StaffActor, progress_id: Id, csrf_token: CsrfToken = ""
) -> Response:
    return await _cancel(request, actor, progress_id, csrf_token)


@router.post(TENANT + "/{progress_id}/cancel")
async def tenant_cancel(
    request: Request, actor: TenantActor, progress_id: Id, csrf_token: CsrfToken = ""
) -> Response:
    return await _cancel(request, actor, progress_id, csrf_token)


i18n.extend(
    {
        "zh": {
            "export.confirm": "将按当前筛选条件导出 {rows} 行，在后台生成文件，完成后可下载。",
            "export.asked": "筛选条件",
            "export.no_filters": "无（全部）",
            "export.download": "下载 CSV",
            "export.file": "{rows} 行，{size}，保留至 {expires}",
            "export.expired": "文件已过期删除，请重新导出。",
        },
        "en": {
            "export.confirm": (
                "{rows} rows match the current filters; the file is written in the background "
                "and can be downloaded when it is ready."
            ),
            "export.asked": "Filters",
            "export.no_filters": "None (every row)",
            "export.download": "Download the CSV",
            "export.file": "{rows} rows, {size}, kept until {expires}",
            "export.expired": "The file has expired and was deleted; export again.",
        },
    }
)
