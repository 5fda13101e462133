"""The page of a rule-change preview computed by a job (``/admin/pricing/previews/<id>``): its
progress while it runs, the preview (counts, distribution, examples) once it has finished."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.catalog.pricing import preview_job
from hive.console import i18n
from hive.console.callers import WrongAudience, viewing
from hive.console.job_pages import JobKind, reason_text, register_kind
from hive.console.pages import language_of, render
from hive.console.tables import refuse_unknown
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)
PricingViewer = Annotated[Actor, viewing(View.PRICING)]
PREVIEWS = "/admin/pricing/previews"


def preview_path(progress_id: int) -> str:
    return f"{PREVIEWS}/{progress_id}"


def _back(params: object) -> str:
    rule_id = params.get("rule_id") if isinstance(params, dict) else None
    return f"/admin/pricing/rules/{rule_id}" if rule_id else "/admin/pricing"


# Also listed with the other long actions (/admin/jobs/<id>: progress and cancel).
register_kind(JobKind(preview_job.PREVIEW_KIND, View.PRICING, "pricing.preview.job", back=_back))


@router.get(PREVIEWS + "/{progress_id}")
async def preview_page(request: Request, actor: PricingViewer, progress_id: Id) -> Response:
    """The preview's progress (``fragment=1``: the box alone, for htmx), then its result."""
    params = dict(request.query_params)
    refuse_unknown(params, ["fragment"])
    async with database_of(request).platform_transaction() as session:
        row = await progress.get_progress(session, progress_id)
    if row.kind != preview_job.PREVIEW_KIND:
        raise WrongAudience(actor)
    t = i18n.translator(language_of(request))
    view = progress.view_of(row)
    return render(
        request,
        "pricing_preview_box.html" if params.get("fragment") else "pricing_preview_job.html",
        actor=actor,
        row=row,
        progress=view,
        preview=preview_job.preview_of(row) if view.state == progress.FINISHED else None,
        reason_text=lambda code: reason_text(t, code),
        refresh=f"{preview_path(row.id)}?fragment=1",
        back=_back(row.params),
        trail=[(t("pricing.preview.job"), None)],
    )
