"""The finance pages and the tenant's account page, over real HTTP: top-up, adjustment and
credit limit by finance (audited), refusals with the field named and nothing written, operators
read only, tenants see their own statement only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import text

from hive.platform.db import Database
from tests.support.billing import fund, ledger_report, summary
from tests.support.console import csrf_token_of, sign_in

AMOUNT_ERROR = '<small class="field-error" id="f-{form}-amount-error">'
NOTE_ERROR = '<small class="field-error" id="f-{form}-note-error">'


@contextmanager
def signed_in(url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, username, f"{username}-pass-1").status_code == 303
        yield client


def _post(client: httpx.Client, path: str, page: str, **form: str) -> httpx.Response:
    token = csrf_token_of(client, page)
    return client.post(path, data={"csrf_token": token, **form}, headers={"accept": "text/html"})


async def _count(database: Database, sql: str) -> int:
    async with database.platform_transaction() as session:
        return int(await session.scalar(text(sql)) or 0)


async def test_finance_tops_up_adjusts_and_sets_a_credit_line_audited(
    hcm_url: str, database: Database, people: dict[str, int]
) -> None:
    acme = people["acme"]
    page = f"/admin/billing/{acme}"
    with signed_in(hcm_url, "finance") as client:
        assert f'href="/admin/billing/{acme}"' in client.get("/admin/billing").text
        done = [_post(client, f"{page}/top-up", page, amount="1234.50", note="银行转账 8812")]
        told = client.get(done[0].headers["location"]).text  # the page the 303 leads to
        done += [
            _post(client, f"{page}/adjust", page, amount="-0.50", note="手续费更正"),
            _post(client, f"{page}/credit-limit", page, amount="500", note="年度授信"),
        ]
        shown = client.get(page).text
    assert [r.status_code for r in done] == [303, 303, 303]
    assert "充值已入账" in told and "充值已入账" not in shown  # told once, on the next page
    assert 'id="available">¥1,234.00<' in shown and 'id="credit-limit">¥500.00<' in shown
    assert 'id="spendable">¥1,734.00<' in shown and "银行转账 8812" in shown
    after = await summary(database, acme)
    assert (after.available_fen, after.credit_limit_fen) == (123_400, 50_000)
    audited = await _count(
        database,
        "SELECT count(*) FROM audit_log WHERE actor_name = 'finance' AND action LIKE 'billing.%'",
    )
    assert audited == 3
    assert (await ledger_report(database)).in_balance


async def test_bad_amounts_and_notes_are_refused_naming_the_field_and_write_nothing(
    hcm_url: str, database: Database, people: dict[str, int]
) -> None:
    page = f"/admin/billing/{people['acme']}"
    cases = [
        ("top-up", {"amount": "abc", "note": "x"}, AMOUNT_ERROR + "须为最多两位小数的金额（元）"),
        ("top-up", {"amount": "1.234", "note": "x"}, AMOUNT_ERROR + "须为最多两位小数的金额（元）"),
        ("top-up", {"amount": "0", "note": "x"}, AMOUNT_ERROR + "不能小于 1"),
        ("top-up", {"amount": "-5", "note": "x"}, AMOUNT_ERROR + "须为最多两位小数的金额（元）"),
        ("top-up", {"amount": "10", "note": ""}, NOTE_ERROR + "必填"),
        ("top-up", {"amount": "10", "note": "a\x07b"}, "不能包含控制字符"),
        ("adjust", {"amount": "0", "note": "x"}, AMOUNT_ERROR + "不能为零"),
        ("adjust", {"amount": "-1", "note": "x"}, "可用余额不足"),
        (
            "credit-limit",
            {"amount": "-1", "note": "x"},
            AMOUNT_ERROR + "须为最多两位小数的金额（元）",
        ),
    ]
    with signed_in(hcm_url, "finance") as client:
        answers = [
            (_post(client, f"{page}/{form}", page, **data), want) for form, data, want in cases
        ]
    for (form, _, _), (response, want) in zip(cases, answers, strict=True):
        assert response.status_code in (409, 422), response.text
        assert want.format(form=form) in response.text, want
    assert await _count(database, "SELECT count(*) FROM ledger_entries") == 0
    assert (
        await _count(database, "SELECT count(*) FROM audit_log WHERE action LIKE 'billing.%'") == 0
    )


async def test_an_operator_reads_accounts_but_cannot_move_money(
    hcm_url: str, database: Database, people: dict[str, int]
) -> None:
    page = f"/admin/billing/{people['acme']}"
    with signed_in(hcm_url, "operator") as client:
        shown = client.get(page)
        refused = _post(client, f"{page}/top-up", page, amount="10", note="x")
    assert shown.status_code == 200 and 'id="form-top-up"' not in shown.text
    assert refused.status_code == 403
    assert await _count(database, "SELECT count(*) FROM ledger_entries") == 0


async def test_a_tenant_sees_its_own_statement_and_no_other(
    hcm_url: str, database: Database, people: dict[str, int]
) -> None:
    await fund(database, people["acme"], 20_000, credit_fen=5_000)
    await fund(database, people["globex"], 70_000)
    with signed_in(hcm_url, "acme-admin") as client:
        assert 'href="/workbench/account"' in client.get("/").text
        own = client.get("/workbench/account")
        english = client.get("/workbench/account", params={"lang": "en"})
        staff_page = client.get("/admin/billing", headers={"accept": "text/html"})
        other = client.get(f"/admin/billing/{people['globex']}", headers={"accept": "text/html"})
    assert own.status_code == 200
    assert 'id="available">¥200.00<' in own.text and 'id="credit-limit">¥50.00<' in own.text
    assert "700.00" not in own.text and "充值" in own.text and "账户流水" in own.text
    assert "Account statement" in english.text and "Top-up" in english.text
    assert staff_page.status_code == 403 and other.status_code == 403


async def test_statement_pages_refuse_a_bad_page_number(
    hcm_url: str, people: dict[str, int]
) -> None:
    with signed_in(hcm_url, "acme-admin") as client:
        refused = client.get("/workbench/account", params={"page": "x"})
        too_far = client.get("/workbench/account", params={"page": "0"})
    assert refused.status_code == 422 and too_far.status_code == 422
