"""The audit log page (/admin/audit-log, platform admin and finance): who did what to which
entity and when, filtered by actor, action and entity, newest first, paged in the URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.console import i18n
from hive.console.audit_details import readable
from hive.console.audit_texts import action_texts, kind_texts
from hive.console.callers import viewing
from hive.console.i18n import translator
from hive.console.pages import language_of, render
from hive.console.tables import read_table, refuse_unknown
from hive.console.timefmt import DISPLAY_TIMEZONE
from hive.platform.actor import Actor
from hive.platform.audit_repository import (
    COUNT_CAP,
    AuditFilter,
    count_entries,
    known_values,
    list_entries,
)
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import InvalidInput, Problem, clean_text

router = APIRouter(include_in_schema=False)
i18n.extend(action_texts())
i18n.extend(kind_texts())
PATH = "/admin/audit-log"
AuditViewer = Annotated[Actor, viewing(View.AUDIT_LOG)]
TEXT_FILTERS = ("actor", "action", "target_type", "target_id")
# Dates (YYYY-MM-DD, Asia/Shanghai days), both included.
FILTERS = (*TEXT_FILTERS, "from", "to")
PAGE_SIZE = 50

i18n.extend(
    {
        "zh": {
            "audit.title": "审计日志",
            "audit.note": "每一次改动都记录在这里：谁、在何时、对哪个对象做了什么。",
            "audit.at": "时间",
            "audit.actor": "操作人",
            "audit.action": "操作",
            "audit.target": "对象",
            "audit.target_type": "对象类型",
            "audit.target_id": "对象编号",
            "audit.details": "详情",
            "audit.any": "全部",
            "audit.filter": "筛选",
            "audit.empty": "还没有操作记录",
            "field.actor": "操作人",
            "field.action": "操作",
            "field.target_type": "对象类型",
            "field.target_id": "对象编号",
            "audit.from": "日期从",
            "audit.to": "日期至",
            "audit.date_hint": "北京时间，格式 2026-11-30",
            "field.from": "日期从",
            "field.to": "日期至",
            "problem.not_a_date": "须为日期，格式 2026-11-30",
        },
        "en": {
            "audit.title": "Audit log",
            "audit.note": "Every change is recorded here: who did what to which entity, and when.",
            "audit.at": "When",
            "audit.actor": "Who",
            "audit.action": "Action",
            "audit.target": "Entity",
            "audit.target_type": "Entity kind",
            "audit.target_id": "Entity id",
            "audit.details": "Details",
            "audit.any": "Any",
            "audit.filter": "Filter",
            "audit.empty": "No audit entries yet",
            "field.actor": "Who",
            "field.action": "Action",
            "field.target_type": "Entity kind",
            "field.target_id": "Entity id",
            "audit.from": "From",
            "audit.to": "Until",
            "audit.date_hint": "Beijing time, as 2026-11-30",
            "field.from": "From",
            "field.to": "Until",
            "problem.not_a_date": "must be a date written as 2026-11-30",
        },
    }
)


def read_filter(params: dict[str, str], actions: list[str], kinds: list[str]) -> AuditFilter:
    """The filter the URL asks for; an action or entity kind the log does not hold is refused
    (``not_a_choice``), like text too long or with control characters."""
    values = {k: clean_text(params.get(k, ""), k, max_length=64) or None for k in TEXT_FILTERS}
    problems = [
        Problem(name, "not_a_choice", {"choices": ", ".join(choices[:20])})
        for name, choices in (("action", actions), ("target_type", kinds))
        if values[name] and values[name] not in choices
    ]
    days = {name: _day(params.get(name, ""), name, problems) for name in ("from", "to")}
    if days["from"] and days["to"] and days["to"] < days["from"]:
        problems.append(Problem("to", "too_small", {"min": days["from"].isoformat()}))
    if problems:
        raise InvalidInput(problems)
    since = datetime.combine(days["from"], time(), DISPLAY_TIMEZONE) if days["from"] else None
    until = (
        datetime.combine(days["to"] + timedelta(days=1), time(), DISPLAY_TIMEZONE)
        if days["to"]
        else None
    )
    return AuditFilter(**values, since=since, until=until)


def _day(raw: str, name: str, problems: list[Problem]) -> date | None:
    """A ``YYYY-MM-DD`` date (Beijing days); a problem for anything else."""
    text = raw.strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(name, "not_a_date"))
        return None


def action_name(t: Callable[[str], str], action: str) -> str:
    """The action in words; its code when it has none (an action of an older version)."""
    key = f"audit.action.{action}"
    name = t(key)
    return action if name == key else name


def kind_name(t: Callable[[str], str], kind: str) -> str:
    """An entity kind (``target_type``) in words; its code when it has none."""
    key = f"audit.kind.{kind}"
    name = t(key)
    return kind if name == key else name


@router.get(PATH)
async def audit_log_page(request: Request, actor: AuditViewer) -> Response:
    params = dict(request.query_params)
    t = translator(language_of(request))
    refuse_unknown(params, [*FILTERS, "page", "sort", "direction"])
    table = read_table(params, path=PATH, sorts=("at",), default_sort="at", page_size=PAGE_SIZE)
    async with database_of(request).platform_transaction() as session:
        actions, kinds = await known_values(session)
        audit_filter = read_filter(params, actions, kinds)
        table = table.with_total(await count_entries(session, audit_filter))
        table = table.with_total(table.total, capped=table.total >= COUNT_CAP)
        rows = await list_entries(
            session,
            audit_filter,
            limit=PAGE_SIZE,
            offset=table.offset,
            newest_first=table.direction == "desc",
        )
    return render(
        request,
        "audit_log.html",
        actor=actor,
        table=table,
        params=params,
        actions=[(a, action_name(t, a)) for a in actions],
        action_name=lambda a: action_name(t, a),
        kind_name=lambda k: kind_name(t, k),
        kinds=[(k, kind_name(t, k)) for k in kinds],
        rows=[(row, readable(row.details, t)) for row in rows],
    )
