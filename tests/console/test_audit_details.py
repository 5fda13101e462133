"""The audit log shows an entry's details readably: what changed as field / before / after rows
(labels in the user's language where the field is known, its recorded name otherwise), the rest
as labelled facts with nested values on one line, money as money, secrets and phones masked."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx

from hive.console.audit_details import readable
from hive.console.i18n import translator
from hive.customers import service as customers
from hive.customers.schemas import GradeCreate
from hive.platform.audit import record_audit
from hive.platform.db import Database
from tests.support.console import sign_in
from tests.support.factories import ADMIN, make_grade

CHANGE = re.compile(
    r'<tr data-field="([^"]+)"><td class="field">([^<]*)</td>'
    r'<td class="before">([^<]*)</td><td class="after">([^<]*)</td></tr>'
)
FACT = re.compile(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>")


def _entry(html: str, action: str) -> str:
    """The row of the (only) entry of ``action`` on the page."""
    start = html.index(f'data-action="{action}"')
    return html[start : html.index("</tr>\n", html.index("</details>", start))]


async def test_an_entry_with_changes_reads_as_field_before_after(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    grade = await make_grade(database, "银牌")
    async with database.platform_transaction() as session:
        data = GradeCreate(
            code="silver",
            name="银牌客户",
            price_coefficient=Decimal("1.1"),
            description="年采购 50 万以上",
        )
        await customers.update_grade(session, ADMIN, grade, data)
        await record_audit(
            session, ADMIN, "rule.update", target_type="selection_rule", target_id=7,
            details={
                "before": {"name": "手机", "conditions": {"keyword": "手机", "brands": ["华为"]},
                           "scheduled": False},
                "name": "手机与平板",
                "conditions": {"keyword": "手机", "brands": ["华为", "小米"]},
            },
        )  # fmt: skip
        await record_audit(
            session, ADMIN, "warehouse.product_price", target_type="product", target_id=9,
            details={"from_fen": 1234567, "to_fen": 99, "retail_fen": 150000,
                     "contact_mobile": "13800001234", "api_secret": "s3cr3t", "odd_field": 1.5},
        )  # fmt: skip
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        page = client.get("/admin/audit-log").text
        english = client.get("/admin/audit-log", params={"lang": "en"}).text

    grade_row = _entry(page, "grade.update")
    assert sorted(CHANGE.findall(grade_row)) == [
        ("code", "编码", "—", "silver"),
        ("description", "说明", "—", "年采购 50 万以上"),
        ("name", "名称", "银牌", "银牌客户"),
    ]
    assert '<pre class="raw">' not in page and "{&#34;" not in grade_row  # no raw JSON
    assert ("name", "Name", "银牌", "银牌客户") in CHANGE.findall(_entry(english, "grade.update"))

    rule_row = _entry(page, "rule.update")
    assert sorted(CHANGE.findall(rule_row)) == [  # (PostgreSQL's jsonb orders the keys)
        ("conditions", "选品条件", "brands: [&#34;华为&#34;]; keyword: 手机",
         "brands: [&#34;华为&#34;, &#34;小米&#34;]; keyword: 手机"),
        ("name", "名称", "手机", "手机与平板"),
        ("scheduled", "scheduled", "否", "未记录"),  # no label known: the recorded name
    ]  # fmt: skip

    price_row = _entry(page, "warehouse.product_price")
    assert CHANGE.findall(price_row) == [("price_fen", "价格", "¥12,345.67", "¥0.99")]
    facts = dict(FACT.findall(price_row))
    assert facts["contact_mobile"] == "138****1234" and "13800001234" not in page
    assert facts["api_secret"] == "••••••" and "s3cr3t" not in page
    assert facts["odd_field"] == "1.5" and facts["retail_fen"] == "¥1,500.00"


def test_values_are_compact_and_long_ones_cut() -> None:
    t = translator("zh")
    shown = readable({"zz_items": [{"sku": "1", "n": 2}], "zz_note": "x" * 500, "zz_ok": True}, t)
    assert shown.changes == []
    facts = dict(shown.facts)
    assert facts["zz_items"] == '[{"sku": "1", "n": 2}]'
    assert len(facts["zz_note"]) == 160 and facts["zz_note"].endswith("…")
    assert facts["zz_ok"] == "是"
