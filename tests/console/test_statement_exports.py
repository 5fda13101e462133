"""Account statement exports as jobs, over real HTTP with a worker: staff export a tenant's
statement from its account page and a tenant user its own from the workbench; each file has
exactly the statement's lines (money in yuan, the unit in the header, formula-looking notes
escaped); a tenant only ever exports its own statement (another tenant's id posted is refused,
the staff route is 403, another tenant's export is 404); a large statement is asked first;
each download is audited and an export is downloaded by its asker only; its page names the
tenant in words and goes back to the tenant's account."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest

from hive.billing import service as billing
from hive.billing.schemas import TopUp
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, run_worker
from tests.support.console import csrf_token_of, signed_in
from tests.support.factories import ADMIN
from tests.support.openapi import sql

INJECTION = '=HYPERLINK("http://evil.example","点我")'
CONFIRM_OVER = 2  # lines; a statement of three is asked first


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        log_format="json",
        export_confirm_rows=CONFIRM_OVER,
    )


def start(http: httpx.Client, page: str, action: str, **form: str) -> str:
    """Ask for an export as the page's button does; the export's page."""
    data = {"csrf_token": csrf_token_of(http, page), **form}
    started = http.post(action, data=data)
    assert started.status_code == 303, started.text[:500]
    location = started.headers["location"]
    assert re.fullmatch(r"/(admin|workbench)/exports/\d+", location), location
    return location


def rows_of(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def work(runtime: JobRuntime) -> None:
    await run_worker(runtime, wait=False, queues=["exports"])


async def top_up(database: Database, tenant_id: int, fen: int, note: str) -> None:
    async with database.platform_transaction() as session:
        await billing.top_up(session, ADMIN, TopUp(tenant_id=tenant_id, amount_fen=fen, note=note))


async def test_statement_exports_run_as_jobs_and_keep_tenants_to_their_own_lines(
    hcm_url: str, database: Database, accounts: dict[str, int], job_runtime: JobRuntime
) -> None:
    acme, globex = accounts["acme"], accounts["globex"]
    await top_up(database, acme, 1_234_50, INJECTION)
    await top_up(database, globex, 99_00, "globex 的钱")
    staff_page, staff_action = f"/admin/billing/{acme}", f"/admin/billing/{acme}/statement/export"
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        assert f'action="{staff_action}"' in admin.get(staff_page).text
        staffs = start(admin, staff_page, staff_action)
        token = csrf_token_of(admin, staff_page)
        unknown = admin.post("/admin/billing/999999/statement/export", data={"csrf_token": token})
        crossed = admin.post(staff_action, data={"csrf_token": token, "tenant": str(globex)})
        assert (unknown.status_code, crossed.status_code) == (404, 422)
        assert admin.get(f"/admin/billing/{acme}/statement.csv").status_code in (404, 405)
        await work(job_runtime)
        staff = rows_of(admin.get(staffs + "/file"))
        shown, english = admin.get(staffs).text, admin.get(staffs, params={"lang": "en"}).text
    # The filter in words, in the reader's language; the page's head shared with the jobs'.
    assert '<span class="filter" data-filter="tenant">客户：企业 acme（acme）</span>' in shown
    assert '<span class="filter" data-filter="tenant">Customer: 企业 acme（acme）</span>' in english
    assert "tenant=" not in shown and "Filters: " in english
    assert 'id="requested-by">发起人：admin' in shown and f'href="{staff_page}" id="back"' in shown
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as tenant:
        assert (
            'action="/workbench/account/statement/export"' in tenant.get("/workbench/account").text
        )
        mine = start(tenant, "/workbench/account", "/workbench/account/statement/export")
        token = csrf_token_of(tenant, "/workbench/account")
        posted = {"csrf_token": token, "tenant": str(globex)}
        assert tenant.post("/workbench/account/statement/export", data=posted).status_code == 422
        refused = tenant.post(f"/admin/billing/{globex}/statement/export", data=posted)
        assert refused.status_code == 403
        await work(job_runtime)
        own = rows_of(tenant.get(mine + "/file"))
    assert own == staff and len(own) == 2  # the header and acme's one line
    assert own[0][4:6] == ["变动（元）", "变动后（元）"]
    assert own[1][4] == "1234.50" and own[1][6] == "'" + INJECTION
    assert "globex 的钱" not in str(own)
    with signed_in(hcm_url, "globex-admin", "globex-pass-1") as other:
        for path in (mine, mine + "/file"):
            assert other.get(path).status_code == 404
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:  # staff never get a tenant's file
        assert admin.get(mine.replace("/workbench/", "/admin/") + "/file").status_code == 404
    downloads = await sql(
        database,
        "SELECT actor_name, tenant_id, target_id, details FROM audit_log "
        "WHERE action = 'export.download' ORDER BY id",
    )
    assert [(d[0], d[1], d[2]) for d in downloads] == [
        ("admin", None, staffs.rsplit("/", 1)[1]),
        ("acme-admin", acme, mine.rsplit("/", 1)[1]),
    ]
    assert downloads[1][3] == {"export": "billing.own_statement", "rows": 1}


async def test_a_large_statement_is_asked_first_and_nothing_starts(
    hcm_url: str, database: Database, accounts: dict[str, int], job_runtime: JobRuntime
) -> None:
    for n in range(3):
        await top_up(database, accounts["acme"], 100 + n, f"第 {n} 笔")
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as tenant:
        token = csrf_token_of(tenant, "/workbench/account")
        asked = tenant.post("/workbench/account/statement/export", data={"csrf_token": token})
        assert asked.status_code == 200 and "将按当前筛选条件导出 3 行" in asked.text
        assert await sql(database, "SELECT count(*) FROM job_progress") == [(0,)]
        page = start(
            tenant, "/workbench/account", "/workbench/account/statement/export", confirm="1"
        )
        queued = tenant.get(page).text  # the head and 取消任务 the jobs' pages share
        assert (
            f'action="{page}/cancel"' in queued and 'id="requested-by">发起人：acme-admin' in queued
        )
        assert 'id="asked">筛选条件：无（全部）' in queued
        await work(job_runtime)
        assert len(rows_of(tenant.get(page + "/file"))) == 4
