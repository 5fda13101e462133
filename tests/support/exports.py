"""Console exports run as jobs, driven as a user drives them (hive.console.export_pages): ask
with the list's "导出 CSV" form, let a worker run the export queue, download the file."""

from __future__ import annotations

import csv
import io
import re

import httpx

from hive.platform.jobs import JobRuntime, run_worker
from tests.support.console import csrf_token_of


def ask_export(
    client: httpx.Client, path: str, params: dict[str, str], *, confirm: bool = False
) -> str:
    """Post ``params`` to the list's export route ``path`` (``<list>/export``, perhaps with a
    query such as ``?lang=en``; a CSRF token from the list's page) as its button does; the
    export's page."""
    token = csrf_token_of(client, path.partition("?")[0].removesuffix("/export"))
    data = {"csrf_token": token, **params, **({"confirm": "1"} if confirm else {})}
    started = client.post(path, data=data)
    assert started.status_code == 303, started.text[:500]
    page = started.headers["location"]
    assert re.fullmatch(r"/(admin|workbench)/exports/\d+", page)
    return page


async def run_exports(runtime: JobRuntime) -> None:
    """Run every queued export (the worker's export queue), then stop."""
    await run_worker(runtime, wait=False, queues=["exports"])


def csv_rows(response: httpx.Response) -> list[list[str]]:
    """A downloaded CSV as Excel reads it: asserting the BOM, then the rows (header first)."""
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def exported(client: httpx.Client, page: str) -> list[list[str]]:
    """The rows of the finished export at ``page`` (its page says so), header first."""
    shown = client.get(page).text
    assert 'data-state="finished"' in shown, shown[:500]
    return csv_rows(client.get(page + "/file"))
