"""CSV exports of the console lists over real HTTP: UTF-8 with a BOM, the list's filters
respected, formula-looking cells escaped, tenants kept to their own rows. The pool, audit log
and supplier message log exports run as jobs (asked with the list's filters, run by a worker,
downloaded from the export's page): each file has exactly the rows the list shows over all its
pages, and only those who may open a list may export it. (The account statements:
tests/console/test_statement_exports.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from hive.console.export import safe_cell
from hive.feed.models import SupplierMessageLog
from hive.platform.audit import record_audit
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool
from tests.feed.conftest import make_supplier
from tests.support.console import csrf_token_of, signed_in
from tests.support.exports import ask_export, exported, run_exports
from tests.support.factories import ADMIN, make_user
from tests.support.openapi import sql

INJECTION = '=HYPERLINK("http://evil.example","点我")'
AUDIT_EXPORT = "/admin/audit-log/export"
MESSAGES_EXPORT = "/admin/supplier-messages/export"
POOL_EXPORT = "/admin/catalog/pool/export"
CONFIRM_OVER = 30  # rows; larger exports are asked first
EXPORT_FORM = re.compile(r'<form method="post" action="[^"]*/export".*?</form>', re.S)
PRODUCT = re.compile(r'<tr data-product="(\d+)">')
MESSAGE_ID = re.compile(r'<td class="message-id">([^<]*)</td>')
AUDIT_ROW = re.compile(
    r'<td class="action" data-action="[^"]*">([^<]*)</td>'
    r'<td class="target" data-kind="[^"]*">([^<]*) #([^<]*)</td>'
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        log_format="json",
        export_confirm_rows=CONFIRM_OVER,
    )


def _audit_rows(html: str) -> list[tuple[str, str, str]]:
    """The audit page's entries: action and entity kind in words, entity id."""
    return [(unescape(a), unescape(k), unescape(i)) for a, k, i in AUDIT_ROW.findall(html)]


def _pool_listed(client: httpx.Client, params: dict[str, str]) -> list[str]:
    """The product ids the pool page lists for ``params``, page after page."""
    ids: list[str] = []
    for page in range(1, 10):
        found = PRODUCT.findall(
            client.get("/admin/catalog/pool", params={**params, "page": str(page)}).text
        )
        ids += found
        if len(found) < 20:  # the last page (a page past it would show the last one again)
            return ids
    raise AssertionError("more pages than a test makes")


def test_cells_a_spreadsheet_would_run_are_escaped_numbers_are_not() -> None:
    for dangerous in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("手机 = 好") == "手机 = 好" and safe_cell(None) == ""
    assert safe_cell(-12) == -12  # a number stays a number


async def test_the_audit_log_export_is_a_job_with_the_lists_rows(
    hcm_url: str, database: Database, job_runtime: JobRuntime
) -> None:
    async with database.platform_transaction() as session:
        for n in range(3):
            await record_audit(
                session, ADMIN, "thing.poke", target_type="thing", target_id=INJECTION,
                details={"n": n},
            )  # fmt: skip
        await record_audit(session, ADMIN, "tenant.create", target_type="tenant", target_id=1)
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        page = admin.get("/admin/audit-log", params={"action": "thing.poke", "page": "1"}).text
        form = EXPORT_FORM.search(page)
        assert form and 'action="/admin/audit-log/export"' in form[0]
        assert 'name="action" value="thing.poke"' in form[0] and 'name="page"' not in form[0]
        pokes = ask_export(admin, AUDIT_EXPORT, {"action": "thing.poke"})
        oldest = ask_export(admin, AUDIT_EXPORT, {"action": "thing.poke", "direction": "asc"})
        everything = ask_export(admin, AUDIT_EXPORT, {})
        token = csrf_token_of(admin, "/admin/audit-log")
        for bad in ({"action": "nope"}, {"acton": "x"}, {"from": "2026-13-01"}):
            refused = admin.post(AUDIT_EXPORT, data={"csrf_token": token, **bad})
            assert refused.status_code == 422, bad
        await run_exports(job_runtime)
        listed = _audit_rows(admin.get("/admin/audit-log").text)  # before any download
        rows = exported(admin, pokes)
        assert [r[1:] for r in exported(admin, oldest)[1:]] == [r[1:] for r in reversed(rows[1:])]
        every_row = exported(admin, everything)
    assert rows[0] == ["时间", "操作人", "操作", "对象类型", "对象编号", "详情"]
    assert [r[2] for r in rows[1:]] == ["thing.poke"] * 3
    assert {r[4] for r in rows[1:]} == {"'" + INJECTION}  # shown as text, never run
    assert [r[5] for r in rows[1:]] == ['{"n": 2}', '{"n": 1}', '{"n": 0}']  # newest first
    # Exactly the list (its three export.start entries included), in its words and order.
    assert [(r[2], r[3], r[4].removeprefix("'")) for r in every_row[1:]] == listed
    assert ("新建客户", "客户", "1") in listed
    assert [r[:2] for r in listed].count(("导出数据", "后台任务")) == 3  # the three asked


async def test_only_those_who_may_open_a_list_may_export_it(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    await make_user(database, "finance1", "finance-pass-1", role=Role.FINANCE)
    refusals = (
        ("operator1", "operator-pass-1", AUDIT_EXPORT, "/"),  # the admin's and finance's page
        ("finance1", "finance-pass-1", MESSAGES_EXPORT, "/"),  # the operators' page
        ("acme-admin", "acme-pass-1", POOL_EXPORT, "/workbench/pool"),  # staff pages
        ("acme-admin", "acme-pass-1", AUDIT_EXPORT, "/workbench/pool"),
    )
    for username, password, path, own_page in refusals:
        with signed_in(hcm_url, username, password) as client:
            token = csrf_token_of(client, own_page)
            assert client.get(path.removesuffix("/export")).status_code == 403
            refused = client.post(path, data={"csrf_token": token})
            assert refused.status_code == 403, (username, path)
    with signed_in(hcm_url, "finance1", "finance-pass-1") as finance:
        ask_export(finance, AUDIT_EXPORT, {})  # finance may open the audit log
        ask_export(finance, POOL_EXPORT, {})  # and read the pool
    asked = await sql(database, "SELECT actor_name, kind FROM job_progress ORDER BY id")
    assert asked == [("finance1", "export.audit.log"), ("finance1", "export.catalog.pool")]


async def test_the_message_log_export_is_a_job_with_the_lists_rows(
    hcm_url: str, database: Database, job_runtime: JobRuntime
) -> None:
    first, second = await make_supplier(database), await make_supplier(database)
    now = datetime.now(UTC)
    async with database.platform_transaction() as session:
        for supplier, message_id, status in (
            (first, "9", "processed"), (first, "30", "failed"), (second, "31", "processed"),
        ):  # fmt: skip
            await session.execute(
                insert(SupplierMessageLog).values(
                    supplier_id=supplier, message_id=message_id, type=2, occurred_at=now,
                    status=status, attempts=0, error="-1 bad" if status == "failed" else "",
                    raw={"sku": "1"},
                )
            )  # fmt: skip
    mine = {"supplier": str(first), "sort": "message_id", "direction": "asc"}
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        page = admin.get("/admin/supplier-messages", params=mine).text
        form = EXPORT_FORM.search(page)
        assert form and f'name="supplier" value="{first}"' in form[0]
        ours = ask_export(admin, MESSAGES_EXPORT, mine)
        failed = ask_export(admin, MESSAGES_EXPORT + "?lang=en", {"status": "failed"})
        token = csrf_token_of(admin, "/admin/supplier-messages")
        for bad in ({"status": "lost"}, {"supplier": "x"}, {"type": "99"}, {"colour": "red"}):
            refused = admin.post(MESSAGES_EXPORT, data={"csrf_token": token, **bad})
            assert refused.status_code == 422, bad
        await run_exports(job_runtime)
        ours_rows, failed_rows = exported(admin, ours), exported(admin, failed)
    assert [r[3] for r in ours_rows[1:]] == MESSAGE_ID.findall(page) == ["9", "30"]
    [(name,)] = await sql(database, "SELECT name FROM suppliers WHERE id = :id", id=first)
    assert {r[2] for r in ours_rows[1:]} == {name}  # the supplier's name, as the page shows
    assert failed_rows[0][0] == "Received" and [r[3] for r in failed_rows[1:]] == ["30"]
    assert failed_rows[1][5] == "Failed" and failed_rows[1][7] == "'-1 bad"


BRANCH = {"category_id": "2", "sort": "price_asc"}  # 手机通讯: 手机 and 手机配件 under it


async def test_the_pool_export_is_a_job_with_every_page_of_the_list(
    hcm_url: str, pool: Pool, job_runtime: JobRuntime
) -> None:
    await pool.add(*(Item(f"测试手机 {n}", brand="华为", retail=1000_00 + n) for n in range(30)))
    await pool.add(Item("测试手机 苹果", brand="Apple"), Item("+1 充电器", brand="华为"))
    await pool.add(Item("测试手机 配件", brand="华为", category_id=4, retail=1_00))
    await pool.add(Item("测试坚果", brand="华为", category_id=12))
    query = {"keyword": "测试手机", "brand": "华为", "sort": "price_desc"}
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        page = admin.get("/admin/catalog/pool", params={**query, "page": "2"}).text
        form = EXPORT_FORM.search(page)
        assert form and 'action="/admin/catalog/pool/export"' in form[0]
        assert 'name="keyword" value="测试手机"' in form[0] and 'name="page"' not in form[0]
        phones = ask_export(admin, POOL_EXPORT, query, confirm=True)  # 31 rows: asked first
        chargers = ask_export(admin, POOL_EXPORT, {"brand": "华为", "keyword": "充电器"})
        branch = ask_export(admin, POOL_EXPORT, BRANCH, confirm=True)
        token = csrf_token_of(admin, "/admin/catalog/pool")
        for bad in ({"colour": "red"}, {"min_yuan": "abc"}, {"min_yuan": "9", "max_yuan": "1"}):
            refused = admin.post(POOL_EXPORT, data={"csrf_token": token, **bad})
            assert refused.status_code == 422, bad
        asked = admin.post(POOL_EXPORT, data={"csrf_token": token, **query})
        await run_exports(job_runtime)
        listed, branch_listed = _pool_listed(admin, query), _pool_listed(admin, BRANCH)
        rows, charger_rows = exported(admin, phones), exported(admin, chargers)
        branch_rows = exported(admin, branch)
    assert asked.status_code == 200 and "将按当前筛选条件导出 31 行" in asked.text
    assert len(rows) == 32 and rows[0][2] == "商品名称"  # every match, not the 20 of a page
    assert [r[0] for r in rows[1:]] == listed  # the list's rows over its pages, in its order
    assert [r[6] for r in rows[1:3]] == ["1000.29", "1000.28"]  # the page's sort
    assert rows[0][5:7] == ["采购价（元）", "零售价（元）"]  # numbers in cells, the unit on top
    assert {r[3] for r in rows[1:]} == {"华为"}
    assert [r[2] for r in charger_rows[1:]] == ["'+1 充电器"]  # escaped, never run
    # A category is its whole branch, as on the page: 手机 and 手机配件, not 坚果炒货.
    assert [r[0] for r in branch_rows[1:]] == branch_listed and len(branch_listed) == 33
    assert {r[4] for r in branch_rows[1:]} == {"手机", "手机配件"}


async def test_a_pool_export_of_a_typo_has_the_loose_matches_the_page_shows(
    hcm_url: str, pool: Pool, job_runtime: JobRuntime
) -> None:
    names = ("Apple iPhone 15", "Apple iPhone 15 Pro", "iPhone 手机壳", "Phone 支架", "iPad Air",
             "华为 Mate 60", "蓝牙耳机 无线", "蓝色耳机套")  # fmt: skip
    await pool.add(*(Item(name, sales=n) for n, name in enumerate(names)))
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        pages = {}
        for keyword in ("iphnoe", "蓝呀耳机"):  # a Latin typo, a Chinese one
            query = {"keyword": keyword, "sort": "sales"}
            shown = admin.get("/admin/catalog/pool", params=query).text
            assert "以下为相近结果" in shown, keyword  # the page shows loose matches
            pages[keyword] = (ask_export(admin, POOL_EXPORT, query), _pool_listed(admin, query))
        await run_exports(job_runtime)
        for keyword, (export, listed) in pages.items():
            assert listed, keyword
            assert [r[0] for r in exported(admin, export)[1:]] == listed, keyword


async def test_a_pool_export_by_relevance_is_in_the_pages_order(
    hcm_url: str, pool: Pool, job_runtime: JobRuntime
) -> None:
    # All hold the keyword's words (真 无线 蓝牙 耳机); the least sold one holds it verbatim,
    # and the page ranks it first.
    names = (
        ("真无线蓝牙耳机 Pro", 0),
        ("蓝牙 真无线 耳机 运动版", 5),
        ("耳机 蓝牙 真无线 降噪", 3),
    )
    await pool.add(*(Item(name, sales=n, category_id=6) for name, n in names))
    query = {"keyword": "真无线蓝牙耳机"}  # sorted by relevance, the page's default
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        export = ask_export(admin, POOL_EXPORT, query)
        await run_exports(job_runtime)
        listed = _pool_listed(admin, query)
        by_sales = _pool_listed(admin, {**query, "sort": "sales"})
        rows = exported(admin, export)
    assert listed != by_sales and sorted(listed) == sorted(by_sales)  # ranked, not by sales
    assert [r[0] for r in rows[1:]] == listed
