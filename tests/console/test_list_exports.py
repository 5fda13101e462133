"""CSV exports of the console lists over real HTTP: UTF-8 with a BOM, the list's filters
respected, formula-looking cells escaped, streamed, tenants kept to their own rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert

from hive.billing import service as billing
from hive.billing.schemas import TopUp
from hive.console.export import safe_cell
from hive.feed.models import SupplierMessageLog
from hive.platform.audit import record_audit
from hive.platform.db import Database
from tests.catalog.search.conftest import Item, Pool
from tests.feed.conftest import make_supplier
from tests.support.console import sign_in
from tests.support.factories import ADMIN

INJECTION = '=HYPERLINK("http://evil.example","点我")'


def rows_of(response: httpx.Response) -> list[list[str]]:
    """The CSV as Excel reads it: asserting the BOM, then the rows (header first)."""
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_cells_a_spreadsheet_would_run_are_escaped_numbers_are_not() -> None:
    for dangerous in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("手机 = 好") == "手机 = 好" and safe_cell(None) == ""
    assert safe_cell(-12) == -12  # a number stays a number


async def test_audit_log_export_follows_the_filters_and_escapes_formulas(
    hcm_url: str, database: Database
) -> None:
    async with database.platform_transaction() as session:
        for n in range(3):
            await record_audit(
                session, ADMIN, "thing.poke", target_type="thing", target_id=INJECTION,
                details={"n": n},
            )  # fmt: skip
        await record_audit(session, ADMIN, "tenant.create", target_type="tenant", target_id=1)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        page = client.get("/admin/audit-log", params={"action": "thing.poke"}).text
        assert 'href="/admin/audit-log/export.csv?action=thing.poke"' in page
        rows = rows_of(client.get("/admin/audit-log/export.csv", params={"action": "thing.poke"}))
        everything = rows_of(client.get("/admin/audit-log/export.csv"))
        unknown = client.get("/admin/audit-log/export.csv", params={"action": "nope"})
        typo = client.get("/admin/audit-log/export.csv", params={"acton": "x"})
    assert rows[0] == ["时间", "操作人", "操作", "对象类型", "对象编号", "详情"]
    assert [r[2] for r in rows[1:]] == ["thing.poke"] * 3
    assert {r[4] for r in rows[1:]} == {"'" + INJECTION}  # shown as text, never run
    assert [r[5] for r in rows[1:]] == ['{"n": 2}', '{"n": 1}', '{"n": 0}']  # newest first
    assert len(everything) > len(rows)
    assert ["新建客户", "客户"] in [r[2:4] for r in everything]  # words, as the page shows them
    assert unknown.status_code == typo.status_code == 422


async def test_message_log_export_follows_the_filters(hcm_url: str, database: Database) -> None:
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
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        path = "/admin/supplier-messages/export.csv"
        mine = rows_of(
            client.get(path, params={"supplier": first, "sort": "message_id", "direction": "asc"})
        )
        failed = rows_of(client.get(path, params={"status": "failed", "lang": "en"}))
        refused = client.get(path, params={"status": "lost"})
    assert [r[3] for r in mine[1:]] == ["9", "30"]  # ids sort as numbers, one supplier only
    assert failed[0][0] == "Received" and [r[3] for r in failed[1:]] == ["30"]
    assert failed[1][5] == "Failed" and failed[1][7] == "'-1 bad"
    assert refused.status_code == 422


async def test_statement_exports_keep_tenants_to_their_own_lines(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    async with database.platform_transaction() as session:
        for tenant, fen, note in ((accounts["acme"], 1_234_50, INJECTION),
                                  (accounts["globex"], 99_00, "globex 的钱")):  # fmt: skip
            data = TopUp(tenant_id=tenant, amount_fen=fen, note=note)
            await billing.top_up(session, ADMIN, data)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        staff = rows_of(client.get(f"/admin/billing/{accounts['acme']}/statement.csv"))
        assert client.get("/admin/billing/999999/statement.csv").status_code == 404
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "acme-admin", "acme-pass-1")
        page = client.get("/workbench/account").text
        own = rows_of(client.get("/workbench/account/statement.csv"))
        assert client.get(f"/admin/billing/{accounts['globex']}/statement.csv").status_code == 403
    assert 'href="/workbench/account/statement.csv"' in page
    assert own == staff and len(own) == 2  # the header and acme's one line
    assert own[1][4] == "1234.50" and own[1][6] == "'" + INJECTION
    # a number a spreadsheet can sum; the unit is in the header, not in the cell
    assert own[0][4:6] == ["变动（元）", "变动后（元）"]
    assert "globex 的钱" not in str(own)


async def test_pool_export_has_every_match_of_the_filters_not_one_page(
    hcm_url: str, pool: Pool
) -> None:
    await pool.add(*(Item(f"测试手机 {n}", brand="华为", retail=1000_00 + n) for n in range(30)))
    await pool.add(Item("测试手机 苹果", brand="Apple"), Item("+1 充电器", brand="华为"))
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        query = {"keyword": "测试手机", "brand": "华为", "sort": "price_desc", "page": "2"}
        page = client.get("/admin/catalog/pool", params=query).text
        rows = rows_of(client.get("/admin/catalog/pool/export.csv", params=query))
        chargers = rows_of(client.get("/admin/catalog/pool/export.csv", params={"brand": "华为"}))
        refused = client.get("/admin/catalog/pool/export.csv", params={"colour": "red"})
    assert (
        "/admin/catalog/pool/export.csv?keyword=" in page
        and "page=2" not in page.split("/admin/catalog/pool/export.csv")[1].split('"')[0]
    )
    assert len(rows) == 31 and rows[0][2] == "商品名称"  # every match, not the 20 of a page
    assert [r[6] for r in rows[1:3]] == ["1000.29", "1000.28"]  # the page's sort
    assert rows[0][5:7] == ["采购价（元）", "零售价（元）"]  # numbers in cells, the unit on top
    assert {r[3] for r in rows[1:]} == {"华为"}
    assert "'+1 充电器" in {r[2] for r in chargers}
    assert refused.status_code == 422
