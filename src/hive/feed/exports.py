"""The supplier message log as CSV (/admin/supplier-messages/export.csv): every message the
page's filters match, in the page's order, streamed (hive.console.export)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hive.console.export import csv_download, stream_rows
from hive.console.pages import language_of
from hive.console.tables import read_table, refuse_unknown
from hive.feed import repository
from hive.feed.models import SupplierMessageLog
from hive.feed.routes import (
    KNOWN_PARAMETERS,
    MAX_PARAM,
    PATH,
    SORTS,
    MessagesViewer,
    page_translator,
    read_filter,
)
from hive.platform.http import database_of
from hive.suppliers import service as suppliers

router = APIRouter(include_in_schema=False)
COLUMNS = ("received_at", "occurred_at", "supplier", "message_id", "type", "status", "attempts",
           "error", "raw")  # fmt: skip


@router.get(PATH + "/export.csv")
async def messages_export(
    request: Request,
    actor: MessagesViewer,
    supplier: Annotated[str, Query(max_length=MAX_PARAM)] = "",
    type_: Annotated[str, Query(alias="type", max_length=MAX_PARAM)] = "",
    status: Annotated[str, Query(max_length=MAX_PARAM)] = "",
) -> Response:
    """Refuses what the page refuses (an unknown parameter, supplier id, type or status)."""
    params = dict(request.query_params)
    refuse_unknown(params, [p for p in KNOWN_PARAMETERS if p != "page"])
    table = read_table(params, path=PATH, sorts=SORTS, default_sort="received_at")
    log_filter = read_filter(supplier, type_, status)
    database = database_of(request)
    async with database.platform_transaction() as session:
        names = {row.id: row.name for row in await suppliers.list_suppliers(session)}
    statement = repository.messages_statement(
        log_filter, by_message_id=table.sort == "message_id", descending=table.direction == "desc"
    )
    t = page_translator(language_of(request))
    rows = stream_rows(database.platform_transaction, statement)
    header = [t(f"messages.{key}") for key in COLUMNS]
    return csv_download("supplier-messages", header, _cells(rows, names, t))


async def _cells(
    rows: AsyncIterator[Any], names: dict[int, str], t: Callable[[str], str]
) -> AsyncIterator[Sequence[object]]:
    async for row in rows:
        message: SupplierMessageLog = row[0]
        yield (
            message.received_at,
            message.occurred_at,
            names.get(message.supplier_id, str(message.supplier_id)),
            message.message_id,
            t(f"messages.type.{message.type}"),
            t(f"messages.status.{message.status}"),
            message.attempts,
            message.error,
            json.dumps(message.raw, ensure_ascii=False, sort_keys=True),
        )
