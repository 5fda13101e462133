"""Every audit action recorded in the source has its words in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import text

import hive
from hive.console.audit_texts import ACTION_NAMES, action_texts
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime
from tests.support.console import sign_in
from tests.support.exports import ask_export, exported, run_exports

# record_audit(session, actor, "<action>" …) and the domains' own _audit(session, actor, "…")
CALL = re.compile(r'audit\w*\(\s*\w+,\s*[\w.]+,\s*(f?)"([a-z_][a-z_.{}]*)"', re.S)
# Actions built with an f-string, with what they become.
EXPANDED = {
    "sign_in.locked_{scope}": ["sign_in.locked_account", "sign_in.locked_address"],
    "warehouse.order_{to}": [
        "warehouse.order_shipped",
        "warehouse.order_delivered",
        "warehouse.order_completed",
    ],
}
# Actions held in a module constant.
CONSTANT = re.compile(r'^AUDIT_ACTION = "([^"]+)"', re.M)


def _recorded_actions() -> set[str]:
    found: set[str] = set()
    for path in Path(hive.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for is_f, action in CALL.findall(source):
            found.update(EXPANDED[action] if is_f else [action])
        found.update(CONSTANT.findall(source))
    return found


def test_every_recorded_action_has_words() -> None:
    actions = _recorded_actions()
    assert len(actions) > 40  # the scan finds the calls
    missing = sorted(actions - set(ACTION_NAMES))
    assert missing == [], f"add these to hive/console/audit_texts.py: {missing}"


def test_every_name_is_given_in_both_languages() -> None:
    texts = action_texts()
    assert set(texts["zh"]) == set(texts["en"]) == {f"audit.action.{a}" for a in ACTION_NAMES}
    assert all(texts["zh"].values()) and all(texts["en"].values())


ROW = re.compile(r'<td class="action" data-action="([^"]+)">([^<]+)</td>')


async def test_the_page_names_actions_in_words_and_filters_by_date(
    hcm_url: str, database: Database, job_runtime: JobRuntime
) -> None:
    async with database.platform_transaction() as session:
        # Two old entries, on Beijing days 2026-03-01 (16:30 UTC is 00:30 next day in Beijing)
        # and 2026-03-03, one of an action of an older version without words.
        await session.execute(
            text(
                "INSERT INTO audit_log (occurred_at, actor_name, action, target_type, target_id,"
                " details, request_id) VALUES "
                "('2026-02-28 16:30:00+00', 'finance1', 'billing.top_up', 'ledger_entry', '1',"
                " '{}', ''), "
                "('2026-03-03 03:00:00+00', 'finance1', 'legacy.thing', 'x', '2', '{}', '')"
            )
        )
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get("/admin/audit-log", params={"from": "2026-03-01", "to": "2026-03-01"})
        assert ROW.findall(page.text) == [("billing.top_up", "充值")]
        assert '<option value="billing.top_up">充值</option>' in page.text
        both = client.get("/admin/audit-log", params={"from": "2026-03-01", "to": "2026-03-03"})
        assert ROW.findall(both.text) == [
            ("legacy.thing", "legacy.thing"),
            ("billing.top_up", "充值"),
        ]
        for params, field in (
            ({"from": "2026-13-01"}, "日期从"),
            ({"to": "yesterday"}, "日期至"),
            ({"from": "2026-03-03", "to": "2026-03-01"}, "日期至"),
        ):
            refused = client.get("/admin/audit-log", params=params, headers={"accept": "text/html"})
            assert refused.status_code == 422 and f"{field}：" in refused.text, params
        export = ask_export(
            client, "/admin/audit-log/export", {"from": "2026-03-01", "to": "2026-03-01"}
        )
        await run_exports(job_runtime)
        # The export (a job) has the day's one entry, in words, as the page: not legacy.thing.
        assert [row[1:5] for row in exported(client, export)[1:]] == [
            ["finance1", "充值", "账务流水", "1"]
        ]
        english = client.get("/admin/audit-log", params={"to": "2026-03-01", "lang": "en"})
        assert ROW.findall(english.text) == [("billing.top_up", "Top-up")]
