"""The pricing page's margin floor names its category from the tree (searchable, by name), not
as a typed id, and the category picked is the one saved."""

from __future__ import annotations

import re

import pytest

from hive.platform.db import Database
from tests.support.console import assert_category_picker, csrf_token_of, signed_in
from tests.support.openapi import sql

FLOOR_FORM = re.compile(r'<form method="post" action="/admin/pricing/floors".*?</form>', re.S)


@pytest.mark.usefixtures("pool")
async def test_a_floor_is_set_on_a_category_picked_by_name(
    hcm_url: str, database: Database
) -> None:
    with signed_in(hcm_url, "admin", "admin-pass-1") as client:
        form = FLOOR_FORM.search(client.get("/admin/pricing").text)
        assert form, "the floor form is shown"
        assert_category_picker(form[0], 12, "坚果炒货")
        token = csrf_token_of(client, "/admin/pricing")
        data = {"csrf_token": token, "category_id": "12", "min_margin_percent": "7"}
        saved = client.post("/admin/pricing/floors", data=data)
        assert saved.status_code in (200, 303), saved.text[:300]
        shown = client.get("/admin/pricing").text
    rows = await sql(database, "SELECT category_id FROM pricing_category_floors")
    assert [r[0] for r in rows] == [12]
    assert "坚果炒货" in shown.partition('id="floors"')[2].partition("</table>")[0]
