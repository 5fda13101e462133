"""CSV files of console lists: the rows the list's current filters match, streamed from the
database into the file an export job writes (hive.console.export_jobs)::

    rows = stream_rows(database.platform_transaction, statement)
    await write_file(path, csv_chunks(header, (cells(row) async for row in rows)))

* **Streamed, never the whole table in memory**: the rows come from a server-side cursor
  (:func:`stream_rows`, 1,000 rows a fetch, in a read-only transaction) and leave as CSV every
  :data:`FLUSH_ROWS` rows.
* **Excel opens Chinese correctly**: UTF-8 with a byte order mark, CRLF line ends. CSV rather
  than .xlsx: an .xlsx file is a zip that must be finished before it is written out, and Excel
  opens this CSV as it is.
* **Amounts stay numbers**: a money cell is yuan with two decimals (:func:`yuan_cell`, no ¥, no
  thousands separator, so a spreadsheet can sum it); its column header names the unit
  (:func:`header`: "变动（元）", "Change (yuan)"), since the pages' headings no longer do.
* **CSV-injection safe**: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is written with a leading ``'`` (OWASP's advice), so a spreadsheet shows it
  as text instead of running it as a formula. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.timefmt import local_time

BOM = "\ufeff"
FLUSH_ROWS = 500
FETCH_ROWS = 1_000
# What a spreadsheet would read as the start of a formula (or of a hidden one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

i18n.extend(
    {
        "zh": {
            "export.csv": "导出 CSV",
            "export.hint": "按当前筛选条件导出全部结果",
            "export.in_yuan": "{label}（元）",
        },
        "en": {
            "export.csv": "Export CSV",
            "export.hint": "Every row the current filters match",
            "export.in_yuan": "{label} (yuan)",
        },
    }
)


def safe_cell(value: object) -> object:
    """A value as a CSV cell: numbers as they are, times in Asia/Shanghai, None empty, and text
    that a spreadsheet would take for a formula prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return local_time(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header(
    t: Callable[[str], str], columns: Sequence[str], money: Collection[str] = ()
) -> list[str]:
    """The column headers of an export: each key of ``columns`` translated, the unit added to
    the keys in ``money`` (their cells are :func:`yuan_cell` numbers)."""
    return [t("export.in_yuan").format(label=t(key)) if key in money else t(key) for key in columns]


def yuan_cell(fen: int | None) -> Decimal | None:
    """Fen as a number of yuan with two decimals (a number, so never escaped as text)."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


async def csv_chunks(
    header: Sequence[str], rows: AsyncIterator[Sequence[object]]
) -> AsyncIterator[bytes]:
    """The CSV text of ``header`` and ``rows``, UTF-8 with a BOM, a chunk every few hundred
    rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in header])
    pending = 0
    async for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        pending += 1
        if pending >= FLUSH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


async def stream_rows(
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    statement: Executable,
    params: dict[str, Any] | None = None,
) -> AsyncIterator[Any]:
    """The rows of ``statement`` from a server-side cursor, :data:`FETCH_ROWS` at a time, in
    a transaction of ``transaction`` (``database.platform_transaction`` or a tenant's) opened
    when the first row is asked for and closed when the last has been read."""
    async with transaction() as session:
        result = await session.stream(
            statement, params or {}, execution_options={"yield_per": FETCH_ROWS}
        )
        async for row in result:
            yield row
