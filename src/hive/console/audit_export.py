"""The audit log as CSV (/admin/audit-log/export.csv): every entry the page's filters match,
in the page's order, streamed (hive.console.export)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.console.audit_log import (
    FILTERS,
    PATH,
    AuditViewer,
    action_name,
    kind_name,
    read_filter,
)
from hive.console.export import csv_download, stream_rows
from hive.console.i18n import translator
from hive.console.pages import language_of
from hive.console.tables import read_table, refuse_unknown
from hive.platform.audit import AuditEntry
from hive.platform.audit_repository import entries_statement, known_values
from hive.platform.http import database_of

router = APIRouter(include_in_schema=False)
COLUMNS = ("audit.at", "audit.actor", "audit.action", "audit.target_type", "audit.target_id")


@router.get(PATH + "/export.csv")
async def audit_log_export(request: Request, actor: AuditViewer) -> Response:
    """Refuses what the page refuses (unknown parameter, action or entity kind) before any
    row is sent."""
    params = dict(request.query_params)
    refuse_unknown(params, [*FILTERS, "sort", "direction"])
    table = read_table(params, path=PATH, sorts=("at",), default_sort="at")
    database = database_of(request)
    async with database.platform_transaction() as session:
        audit_filter = read_filter(params, *await known_values(session))
    statement = entries_statement(audit_filter, newest_first=table.direction == "desc")
    t = translator(language_of(request))
    header = [*(t(key) for key in COLUMNS), t("audit.details")]
    return csv_download(
        "audit-log", header, _cells(stream_rows(database.platform_transaction, statement), t)
    )


async def _cells(
    rows: AsyncIterator[Any], t: Callable[[str], str]
) -> AsyncIterator[Sequence[object]]:
    """One entry a row, its action and entity kind in words as the page shows them."""
    async for row in rows:
        entry: AuditEntry = row[0]
        yield (
            entry.occurred_at,
            entry.actor_name,
            action_name(t, entry.action),
            kind_name(t, entry.target_type),
            entry.target_id,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
        )
