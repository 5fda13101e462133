"""What the results of selection actions export (hive.console.export_jobs), SKU by SKU: a
"select every hit" job's records (its page /admin/jobs/<id>) and a selection rule run's
(the rule's progress page): time, SKU, product, outcome and, for a failure or a removal, why,
all in words. The record's job or run comes from the page's address (filters ``job``, or
``rule`` and ``run``); one that is not there, or a run of another rule, is 404 as the page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.errors import RuleNotFound
from hive.catalog.selection import bulk, repository
from hive.catalog.selection.texts import CATALOG_TEXTS
from hive.console import job_pages
from hive.console.export_filters import Filter
from hive.console.export_jobs import (
    ExportSource,
    Planned,
    Translate,
    id_filter,
    register_source,
)
from hive.console.tables import refuse_unknown
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.permissions import View

RULES = "/admin/catalog/rules"
RECORD_COLUMNS = ("selection.export.at", "catalog.sku", "selection.export.product", "job.result",
                  "job.reason")  # fmt: skip


def _cells(row: Any, t: Translate) -> Sequence[object]:
    (record,) = row
    if record.outcome == "failed":
        outcome, why = "failed", job_pages.reason_text(t, record.reason)
    elif record.outcome == "removed":
        outcome, why = "removed", t("job.reason.no_longer_met")
    else:  # added or unchanged: the reason says added, restored or unchanged
        outcome, why = record.reason, ""
    return (record.occurred_at, record.supplier_sku, record.product_id,
            t("job.count." + outcome), why)  # fmt: skip


async def _select_all(session: AsyncSession, actor: Actor, filters: Mapping[str, str]) -> Planned:
    refuse_unknown(dict(filters), ("job",))
    progress_id = id_filter(filters, "job")
    row = await progress.get_progress(session, progress_id)
    if row.kind != bulk.BULK_SELECT:
        raise progress.ProgressNotFound(details={"progress_id": progress_id})
    return Planned(repository.records_of_progress(progress_id), _cells)


async def _rule_run(session: AsyncSession, actor: Actor, filters: Mapping[str, str]) -> Planned:
    refuse_unknown(dict(filters), ("rule", "run"))
    rule_id = id_filter(filters, "rule")
    run_id = id_filter(filters, "run")
    run = await repository.get_run(session, run_id)
    if run is None or run.rule_id != rule_id:
        raise RuleNotFound(details={"rule_id": rule_id, "run_id": run_id})
    return Planned(repository.records_of_run(run_id), _cells)


async def _rule_name(session: AsyncSession, value: str, t: Translate) -> str:
    rule = await repository.get_rule(session, int(value)) if value.isdigit() else None
    return rule.name if rule is not None else value


async def _numbered(session: AsyncSession, value: str, t: Translate) -> str:
    return f"#{value}"


def _header(t: Translate) -> Sequence[str]:
    return [t(key) for key in RECORD_COLUMNS]


SELECT_ALL_RECORDS = register_source(
    ExportSource(
        name="selection.select_all",
        title_key="selection.export.title",
        file_name="select-all",
        back=job_pages.PATH + "/{job}",
        tenant=False,
        header=_header,
        plan=_select_all,
        view=View.UPSTREAM,
        filters={"job": Filter("selection.export.job", _numbered)},
        fixed=("job",),
        texts=(CATALOG_TEXTS,),
    ),
    __name__,
)
RULE_RUN_RECORDS = register_source(
    ExportSource(
        name="selection.rule_run",
        title_key="selection.export.title",
        file_name="rule-run",
        back=RULES + "/{rule}/progress",
        tenant=False,
        header=_header,
        plan=_rule_run,
        view=View.RULES,
        filters={
            "rule": Filter("selection.export.rule", _rule_name),
            "run": Filter("selection.export.run", _numbered),
        },
        fixed=("rule", "run"),
        texts=(CATALOG_TEXTS,),
    ),
    __name__,
)
