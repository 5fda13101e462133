"""The supplier message log's CSV export, run as a job: "导出 CSV" posts the page's filters and
sort to POST /admin/supplier-messages/export (hive.console.export_pages: asked first when
large, then the progress page and the file). The file has every message those filters match,
in the page's order, each supplier by its name as on the page; whoever may open the page may
export it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.export_filters import DIRECTION, SORT, Filter, choice, keyed, named
from hive.console.export_jobs import ExportSource, Planned, Translate, register_source
from hive.console.export_pages import request_export
from hive.console.tables import read_table, refuse_unknown
from hive.feed import repository
from hive.feed.models import SupplierMessageLog
from hive.feed.routes import (
    KNOWN_PARAMETERS,
    MAX_PARAM,
    PATH,
    SORTS,
    MessagesViewer,
    read_filter,
)
from hive.platform.actor import Actor
from hive.platform.permissions import View
from hive.platform.validation import clean_text
from hive.suppliers import service as suppliers
from hive.suppliers.errors import SupplierNotFound

router = APIRouter(include_in_schema=False)
COLUMNS = ("received_at", "occurred_at", "supplier", "message_id", "type", "status", "attempts",
           "error", "raw")  # fmt: skip
FILTERS = ("supplier", "type", "status")

i18n.extend(
    {
        "zh": {"messages.export.title": "导出供应商消息"},
        "en": {"messages.export.title": "Supplier message export"},
    }
)


async def _supplier_name(session: AsyncSession, supplier_id: int) -> str | None:
    try:
        return (await suppliers.get_supplier(session, supplier_id)).name
    except SupplierNotFound:
        return None


# Every filter the page reads, labelled as its form labels it, its values as the page words them.
SHOWN_FILTERS = {
    "supplier": Filter("messages.supplier", named(_supplier_name)),
    "type": Filter("messages.type", choice("messages.type.")),
    "status": Filter("messages.status", choice("messages.status.")),
    "sort": Filter(SORT.label, keyed({s: f"messages.{s}" for s in SORTS})),
    "direction": DIRECTION,
}


async def _plan(session: AsyncSession, actor: Actor, filters: Mapping[str, str]) -> Planned:
    """Refuses what the page refuses (an unknown parameter, supplier id, type or status)."""
    params = dict(filters)
    refuse_unknown(params, [p for p in KNOWN_PARAMETERS if p != "page"])
    table = read_table(params, path=PATH, sorts=SORTS, default_sort="received_at")
    log_filter = read_filter(*(clean_text(params.get(name), name, max_length=MAX_PARAM)
                               for name in FILTERS))  # fmt: skip
    names = {row.id: row.name for row in await suppliers.list_suppliers(session)}
    statement = repository.messages_statement(
        log_filter, by_message_id=table.sort == "message_id", descending=table.direction == "desc"
    )
    return Planned(statement, lambda row, t: _cells(row[0], names, t))


def _cells(message: SupplierMessageLog, names: dict[int, str], t: Translate) -> Sequence[object]:
    return (
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


def _header(t: Translate) -> list[str]:
    return [t(f"messages.{key}") for key in COLUMNS]


MESSAGES = register_source(
    ExportSource(
        name="feed.messages",
        title_key="messages.export.title",
        file_name="supplier-messages",
        back=PATH,
        tenant=False,
        plan=_plan,
        view=View.SUPPLIER_MESSAGES,
        header=_header,
        filters=SHOWN_FILTERS,
    ),
    __name__,
)


@router.post(PATH + "/export")
async def messages_export(request: Request, actor: MessagesViewer) -> Response:
    return await request_export(request, actor, MESSAGES)
