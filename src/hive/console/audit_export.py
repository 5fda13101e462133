"""The audit log's CSV export, run as a job: "导出 CSV" posts the page's filters and sort to
POST /admin/audit-log/export (hive.console.export_pages: asked first when large, then the
progress page and the file). The file has every entry those filters match, in the page's
order, as the page words them; the admin and finance may export it, as they may open the page.
Details stay JSON, their times (recorded as ISO text) in Asia/Shanghai like the time column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.audit_log import (
    FILTERS,
    PATH,
    AuditViewer,
    action_name,
    kind_name,
    read_filter,
)
from hive.console.export_filters import DIRECTION, SORT, Filter, day, keyed, worded
from hive.console.export_jobs import ExportSource, Planned, Translate, register_source
from hive.console.export_pages import request_export
from hive.console.tables import read_table, refuse_unknown
from hive.console.timefmt import local_text
from hive.platform.actor import Actor
from hive.platform.audit import AuditEntry
from hive.platform.audit_repository import entries_statement, known_values
from hive.platform.permissions import View

router = APIRouter(include_in_schema=False)
COLUMNS = ("audit.at", "audit.actor", "audit.action", "audit.target_type", "audit.target_id",
           "audit.details")  # fmt: skip

i18n.extend(
    {
        "zh": {"audit.export.title": "导出审计日志"},
        "en": {"audit.export.title": "Audit log export"},
    }
)


# Every filter the page reads, labelled as its form labels it, its values as the page words them.
SHOWN_FILTERS = {
    "actor": Filter("audit.actor"),
    "action": Filter("audit.action", worded(action_name)),
    "target_type": Filter("audit.target_type", worded(kind_name)),
    "target_id": Filter("audit.target_id"),
    "from": Filter("audit.from", day),
    "to": Filter("audit.to", day),
    "sort": Filter(SORT.label, keyed({"at": "audit.at"})),
    "direction": DIRECTION,
}


async def _plan(session: AsyncSession, actor: Actor, filters: Mapping[str, str]) -> Planned:
    """Refuses what the page refuses (an unknown parameter, action or entity kind, a bad
    date)."""
    params = dict(filters)
    refuse_unknown(params, [*FILTERS, "sort", "direction"])
    table = read_table(params, path=PATH, sorts=("at",), default_sort="at")
    audit_filter = read_filter(params, *await known_values(session))
    statement = entries_statement(audit_filter, newest_first=table.direction == "desc")
    return Planned(statement, _cells)


def _cells(row: Any, t: Translate) -> Sequence[object]:
    """One entry a row, its action and entity kind in words as the page shows them."""
    entry: AuditEntry = row[0]
    return (
        entry.occurred_at,
        entry.actor_name,
        action_name(t, entry.action),
        kind_name(t, entry.target_type),
        entry.target_id,
        json.dumps(_local_times(entry.details), ensure_ascii=False, sort_keys=True),
    )


def _local_times(value: Any) -> Any:
    """``value`` (JSON) with each ISO time in it as the file's time column writes times
    (Asia/Shanghai, hive.console.timefmt): one zone in the whole file."""
    if isinstance(value, str):
        return local_text(value)
    if isinstance(value, dict):
        return {key: _local_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_local_times(item) for item in value]
    return value


AUDIT_LOG = register_source(
    ExportSource(
        name="audit.log",
        title_key="audit.export.title",
        file_name="audit-log",
        back=PATH,
        tenant=False,
        plan=_plan,
        view=View.AUDIT_LOG,
        header=lambda t: [t(key) for key in COLUMNS],
        filters=SHOWN_FILTERS,
    ),
    __name__,
)


@router.post(PATH + "/export")
async def audit_log_export(request: Request, actor: AuditViewer) -> Response:
    return await request_export(request, actor, AUDIT_LOG)
