"""The progress page of a long action run as a job (/admin/jobs/<id>), and its cancel button.

A domain that runs a long action through :mod:`hive.platform.progress` registers its kind once
(who may see it, its title, where 返回 goes)::

    register_kind(JobKind("catalog.select_all", View.UPSTREAM, "bulk.title", back=...))

and redirects to :func:`progress_path` after deferring the job. A form that starts one carries
``confirm=1`` (its button's ``data-confirm`` dialog names what it will touch); a post without
it starts nothing and answers :func:`confirm_page`, which asks again (:func:`confirmed`).
The page shows the box ``job_progress_box.html``, which reloads itself with htmx every two
seconds (``?fragment=1`` answers the box alone) until the action has ended, then shows its
summary: counts, and the reasons of what failed or was skipped in words
(``job.reason.<code>``). Anyone who may see the action may cancel it (asked first); the job
stops after the unit of work it is on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hive.console import i18n
from hive.console.callers import WrongAudience, staff, viewing
from hive.console.forms import CsrfToken
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.csrf import verify_csrf
from hive.platform.http import database_of
from hive.platform.permissions import View, may_view
from hive.platform.validation import Id, InvalidInput, Problem

router = APIRouter(include_in_schema=False)
PATH = "/admin/jobs"
StaffActor = Annotated[Actor, Depends(staff)]


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of long action: who may see it (``view``), its title's text key, its page's
    返回 link made from its params, and where its result downloads as CSV, if it does."""

    kind: str
    view: View
    title_key: str
    back: Callable[[Mapping[str, Any]], str]
    # The address of the action's result as CSV, item by item (None: it has none).
    export_path: Callable[[int], str] | None = None


KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> None:
    KINDS[kind.kind] = kind


def progress_path(progress_id: int) -> str:
    return f"{PATH}/{progress_id}"


def confirmed(form: Mapping[str, Any]) -> bool:
    """Whether a form that starts a long action carries its confirmation (``confirm=1``: the
    button the dialog submits, or the confirmation page's)."""
    return str(form.get("confirm", "")) == "1"


def confirm_page(
    request: Request,
    actor: Actor,
    *,
    title_key: str,
    text: str,
    action: str,
    back: str,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """A long action asked without its confirmation: nothing starts; the page says what it
    would touch (``text``) and posts the same form to ``action`` again, confirmed."""
    t = i18n.translator(language_of(request))
    return render(
        request,
        "job_confirm.html",
        actor=actor,
        title=t(title_key),
        text=text,
        action=action,
        back=back,
        fields=dict(fields or {}),
        trail=[(t(title_key), None)],
    )


def reason_text(t: Callable[[str], str], code: str) -> str:
    """A failure or skip reason in words: its own text, else a selection reason's, else the
    generic "other" text (the code stays in the page's markup for support, never as the text)."""
    for key in (f"job.reason.{code}", f"selection.reason.{code}"):
        if t(key) != key:
            return t(key)
    return t("job.reason.other")


async def _visible(request: Request, actor: Actor, progress_id: int) -> progress.JobProgress:
    async with database_of(request).platform_transaction() as session:
        row = await progress.get_progress(session, progress_id)
    kind = KINDS.get(row.kind)
    if kind is None or not may_view(actor.role, kind.view):
        raise WrongAudience(actor)
    return row


JobsViewer = Annotated[Actor, viewing(View.JOBS)]


@router.get(PATH)
async def jobs_page(request: Request, actor: JobsViewer) -> Response:
    """The long actions the caller may see, newest first, filtered by kind and state."""
    params = dict(request.query_params)
    refuse_unknown(params, ["kind", "status", "page", "sort", "direction"])
    table = read_table(params, path=PATH, sorts=("created",), default_sort="created")
    visible = [k.kind for k in KINDS.values() if may_view(actor.role, k.view)]
    kind, status = _filters(params, visible)
    async with database_of(request).platform_transaction() as session:
        page = partial(
            progress.list_progress,
            session,
            [kind] if kind else visible,
            status=status,
            limit=table.page_size,
            newest_first=table.direction == "desc",
        )
        rows, total = await page(offset=table.offset)
        asked, table = table.page, table.with_total(total)
        if table.page != asked:  # past the last page: show the last one
            rows, _ = await page(offset=table.offset)
    t = i18n.translator(language_of(request))
    return render(
        request,
        "jobs.html",
        actor=actor,
        table=table,
        params=params,
        rows=[(row, progress.view_of(row), t(KINDS[row.kind].title_key)) for row in rows],
        kinds=[("", t("jobs.any"))] + [(k, t(KINDS[k].title_key)) for k in visible],
        states=[("", t("jobs.any"))] + [(s, t(f"jobs.state.{s}")) for s in progress.STATES],
    )


def _filters(params: Mapping[str, str], visible: list[str]) -> tuple[str | None, str | None]:
    """The kind and state asked for; one the list does not know is refused (``not_a_choice``)."""
    kind, status = params.get("kind", "").strip(), params.get("status", "").strip()
    problems = [
        Problem(name, "not_a_choice", {"choices": ", ".join(choices)})
        for name, value, choices in (("kind", kind, visible), ("status", status, progress.STATES))
        if value and value not in choices
    ]
    if problems:
        raise InvalidInput(problems)
    return kind or None, status or None


@router.get(PATH + "/{progress_id}")
async def progress_page(request: Request, actor: StaffActor, progress_id: Id) -> Response:
    """The action's progress; ``fragment=1`` answers the progress box alone (for htmx)."""
    params = dict(request.query_params)
    refuse_unknown(params, ["fragment"])
    row = await _visible(request, actor, progress_id)
    kind = KINDS[row.kind]
    t = i18n.translator(language_of(request))
    return render(
        request,
        "job_progress_box.html" if params.get("fragment") else "job_progress.html",
        actor=actor,
        row=row,
        progress=progress.view_of(row),
        title=t(kind.title_key),
        reason_text=lambda code: reason_text(t, code),
        refresh=f"{progress_path(row.id)}?fragment=1",
        cancel=f"{progress_path(row.id)}/cancel",
        back=kind.back(row.params),
        export=kind.export_path(row.id) if kind.export_path else None,
        trail=[(t(kind.title_key), None)],
    )


@router.post(PATH + "/{progress_id}/cancel")
async def cancel(
    request: Request,
    actor: StaffActor,
    progress_id: Id,
    csrf_token: CsrfToken = "",
) -> Response:
    """Ask the action to stop after its current unit of work (recorded in the audit log)."""
    verify_csrf(request.session, csrf_token)
    await _visible(request, actor, progress_id)
    async with database_of(request).platform_transaction() as session:
        row = await progress.request_cancel(session, progress_id)
        if row.status in progress.ENDED:
            return redirect_with_flash(progress_path(progress_id), "job.done.ended", level="info")
        await record_audit(
            session, actor, "job.cancel", target_type="job_progress", target_id=progress_id
        )
    return redirect_with_flash(progress_path(progress_id), "job.done.cancel_requested")


i18n.extend(
    {
        "zh": {
            "jobs.title": "后台任务",
            "jobs.none_yet": "还没有后台任务",
            "jobs.note": "批量入池等耗时操作在后台执行；点编号查看进度与结果。",
            "jobs.id": "编号",
            "jobs.kind": "任务",
            "jobs.requested_by": "发起人",
            "jobs.created": "发起时间",
            "jobs.finished": "结束时间",
            "jobs.status": "状态",
            "jobs.progress": "进度",
            "jobs.any": "全部",
            "jobs.filter": "筛选",
            "jobs.state.queued": "排队中",
            "jobs.state.running": "执行中",
            "jobs.state.finished": "已完成",
            "jobs.state.cancelled": "已取消",
            "jobs.state.failed": "失败",
            "job.note": "任务在后台执行，离开本页不影响执行；可随时回到本页查看进度。",
            "job.label": "执行进度",
            "job.state.queued": "排队中，等待后台开始执行……",
            "job.state.running": "执行中：已处理 {done} / {planned}（{percent}%）",
            "job.state.running_unknown": "执行中：已处理 {done}",
            "job.state.finished": "已于 {at} 完成",
            "job.state.cancelled": "已于 {at} 取消",
            "job.state.failed": "已于 {at} 失败：{error}",
            "job.cancelling": "已请求取消，处理完当前这一批后停止",
            "job.retrying": "上次尝试失败（{error}），稍后自动重试",
            "job.requested_by": "发起人：{name}，{at}",
            "job.summary": "结果",
            "job.result": "结果",
            "job.export": "导出明细 CSV",
            "job.reasons": "失败与跳过的原因",
            "job.reason": "原因",
            "job.how_many": "数量",
            "job.cancel": "取消任务",
            "job.confirm_start": "确认开始",
            "job.count.changed": "有变化",
            "job.count.kept": "无变化",
            "job.reason.internal_error": "系统内部错误（详见日志）",
            "job.confirm_cancel": "取消这个任务？已处理的不会撤销，其余的不再处理。",
            "job.done.cancel_requested": "已请求取消，任务会在处理完当前这一批后停止",
            "job.done.ended": "任务已经结束",
            "job.count.done": "已处理",
            "job.count.added": "新入池",
            "job.count.restored": "恢复入池",
            "job.count.unchanged": "已在池中（已更新）",
            "job.count.removed": "移出底池",
            "job.count.failed": "失败",
            "job.count.skipped": "跳过",
            "job.count.rows": "导出行数",
            "job.reason.other": "其他原因（供应商返回的错误）",
            "job.reason.over_cap": "超过单次上限，未处理",
            "job.reason.beyond_search_depth": "超出供应商搜索可翻到的最深页，未处理",
            "job.reason.not_returned_by_supplier": "供应商计入总数但未返回",
            "job.reason.cancelled": "任务取消时尚未处理",
            "job.reason.no_longer_met": "不再符合规则条件",
            "job.reason.sku_not_in_supplier_pool": "已不在供应商商品池",
            "job.reason.sku_off_shelf": "供应商已下架",
            "job.reason.supplier_unavailable": "供应商暂时无法访问",
            "job.reason.supplier_rate_limited": "供应商限流",
            "job.reason.supplier_circuit_open": "供应商连续出错，暂停访问",
            "job.reason.supplier_busy": "供应商繁忙",
            "job.reason.supplier_auth_failed": "供应商拒绝了我们的凭证",
            "job.reason.supplier_invalid_answer": "供应商返回了无法识别的数据",
            "job.reason.supplier_error": "供应商出错",
        },
        "en": {
            "jobs.title": "Background jobs",
            "jobs.none_yet": "No background jobs yet",
            "jobs.note": "Long actions such as bulk selection run here; open one for its progress.",
            "jobs.id": "No.",
            "jobs.kind": "Job",
            "jobs.requested_by": "Asked by",
            "jobs.created": "Asked at",
            "jobs.finished": "Ended at",
            "jobs.status": "State",
            "jobs.progress": "Progress",
            "jobs.any": "Any",
            "jobs.filter": "Filter",
            "jobs.state.queued": "Queued",
            "jobs.state.running": "Running",
            "jobs.state.finished": "Finished",
            "jobs.state.cancelled": "Cancelled",
            "jobs.state.failed": "Failed",
            "job.note": "The job runs in the background: leaving this page does not stop it.",
            "job.label": "Progress",
            "job.state.queued": "Queued, waiting for the background worker…",
            "job.state.running": "Running: {done} of {planned} handled ({percent}%)",
            "job.state.running_unknown": "Running: {done} handled",
            "job.state.finished": "Finished at {at}",
            "job.state.cancelled": "Cancelled at {at}",
            "job.state.failed": "Failed at {at}: {error}",
            "job.cancelling": "Cancellation asked: it stops after the current batch",
            "job.retrying": "The last attempt failed ({error}); it will be tried again",
            "job.requested_by": "Asked by {name}, {at}",
            "job.summary": "Result",
            "job.result": "Outcome",
            "job.export": "Download the details (CSV)",
            "job.reasons": "Why some failed or were skipped",
            "job.reason": "Reason",
            "job.how_many": "How many",
            "job.cancel": "Cancel the job",
            "job.confirm_start": "Start",
            "job.count.changed": "Changed",
            "job.count.kept": "Unchanged",
            "job.reason.internal_error": "An internal error (see the logs)",
            "job.confirm_cancel": (
                "Cancel this job? What is done stays done; the rest is not handled."
            ),
            "job.done.cancel_requested": "Cancellation asked: the job stops after this batch",
            "job.done.ended": "The job has already ended",
            "job.count.done": "Handled",
            "job.count.added": "Added",
            "job.count.restored": "Restored",
            "job.count.unchanged": "Already in the pool (updated)",
            "job.count.removed": "Removed from the pool",
            "job.count.failed": "Failed",
            "job.count.skipped": "Skipped",
            "job.count.rows": "Rows exported",
            "job.reason.other": "Other reason (an error from the supplier)",
            "job.reason.over_cap": "Over the cap of one run, not handled",
            "job.reason.beyond_search_depth": (
                "Deeper than the supplier's search pages, not handled"
            ),
            "job.reason.not_returned_by_supplier": "Counted by the supplier but not returned",
            "job.reason.cancelled": "Not handled yet when the job was cancelled",
            "job.reason.no_longer_met": "No longer meets the rule's conditions",
            "job.reason.sku_not_in_supplier_pool": "No longer in the supplier's pool",
            "job.reason.sku_off_shelf": "Off the supplier's shelf",
            "job.reason.supplier_unavailable": "The supplier could not be reached",
            "job.reason.supplier_rate_limited": "The supplier's rate limit",
            "job.reason.supplier_circuit_open": "The supplier failed repeatedly; paused",
            "job.reason.supplier_busy": "The supplier is busy",
            "job.reason.supplier_auth_failed": "The supplier refused our credentials",
            "job.reason.supplier_invalid_answer": "The supplier answered something unreadable",
            "job.reason.supplier_error": "The supplier failed",
        },
    }
)
