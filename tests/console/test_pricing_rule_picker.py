"""The pricing rule form picks its category from the searchable tree and its scope line names
the category (never the bare id); a role that may not change pricing (finance) gets 403 on the
new-rule form and reads an existing rule without a form it could not send."""

from __future__ import annotations

import re

import httpx
import pytest

from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import assert_category_picker, csrf_token_of, sign_in, signed_in
from tests.support.factories import make_user
from tests.support.openapi import sql

RULE_FORM = re.compile(r'<form method="post" action="/admin/pricing/rules.*?</form>', re.S)


def _content(page: str) -> str:
    return page.partition('id="content"')[2]


@pytest.mark.usefixtures("pool")
async def test_a_rule_is_scoped_to_a_category_picked_and_shown_by_name(
    hcm_url: str, database: Database
) -> None:
    with signed_in(hcm_url, "admin", "admin-pass-1") as client:
        form = RULE_FORM.search(client.get("/admin/pricing/rules/new").text)
        assert form, "the rule form is shown"
        assert_category_picker(form[0], 12, "坚果炒货")
        token = csrf_token_of(client, "/admin/pricing/rules/new")
        data = {
            "csrf_token": token,
            "scope": "category",
            "category_id": "12",
            "base": "cost_plus",
            "percent": "12",
            "rounding": "fen",
            "intent": "save",
        }
        saved = client.post("/admin/pricing/rules", data=data)
        assert saved.status_code == 303, saved.text[:300]
        rows = await sql(database, "SELECT id FROM pricing_rules WHERE category_id = 12")
        assert len(rows) == 1
        edit = client.get(f"/admin/pricing/rules/{rows[0][0]}").text
    scope_line = edit.partition('<p class="full-row">')[2].partition("</p>")[0]
    assert "坚果炒货" in scope_line, scope_line
    assert "12" not in scope_line, scope_line


@pytest.mark.usefixtures("pool")
async def test_only_roles_that_may_change_pricing_get_the_rule_forms(
    hcm_url: str, database: Database
) -> None:
    (rule_id,) = (
        await sql(
            database,
            "INSERT INTO pricing_rules"
            " (scope, category_id, base, percent, rounding, allow_above_retail)"
            " "
            "VALUES ('category', 12, 'cost_plus', 15, 'fen', false) RETURNING id",
        )
    )[0]
    await make_user(database, "finance1", "finance-pass-1", role=Role.FINANCE)
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    for username, password, may_change in (
        ("finance1", "finance-pass-1", False),
        ("operator1", "operator-pass-1", True),
        ("admin", "admin-pass-1", True),
    ):
        with httpx.Client(base_url=hcm_url, timeout=30) as client:
            assert sign_in(client, username, password).status_code == 303
            new = client.get("/admin/pricing/rules/new")
            rule = client.get(f"/admin/pricing/rules/{rule_id}")
            listed = client.get("/admin/pricing").text
        assert new.status_code == (200 if may_change else 403), username
        assert rule.status_code == 200, username
        assert ('method="post"' in _content(rule.text)) is may_change, username
        assert "坚果炒货" in _content(rule.text), username
        assert ("编辑规则" in listed) is may_change, username
