"""The tenants page: admins and operators create tenants (each refused field named), admins
suspend and resume them (asked first), finance reads, tenants cannot open it."""

from __future__ import annotations

import re

import httpx

from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user

FIELD_ERROR = re.compile(r'<small class="field-error" id="f-([a-z_]+)-error">([^<]+)<')


async def test_create_suspend_and_resume_a_tenant(hcm_url: str, database: Database) -> None:
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get("/admin/tenants").text
        grade = re.search(
            r'<select id="f-grade_id" name="grade_id"[^>]*>\s*<option value="(\d+)"', page
        )
        assert grade
        token = csrf_token_of(client, "/admin/tenants")
        bad = client.post(
            "/admin/tenants",
            data={"csrf_token": token, "code": "Bad Code!", "name": "", "grade_id": grade[1]},
        )
        assert bad.status_code == 422
        assert set(dict(FIELD_ERROR.findall(bad.text))) == {"code", "name"}
        assert 'value="Bad Code!"' in bad.text  # what was typed stays
        made = client.post(
            "/admin/tenants",
            data={
                "csrf_token": token,
                "code": "initech",
                "name": "Initech 商贸",
                "grade_id": grade[1],
            },
        )
        assert made.status_code == 303
        listing = client.get(made.headers["location"]).text
        assert "客户“Initech 商贸”已创建" in listing
        tenant_id = re.search(r'data-tenant="(\d+)">\s*<td>initech', listing)
        assert tenant_id
        taken = client.post(
            "/admin/tenants",
            data={"csrf_token": token, "code": "initech", "name": "又一个", "grade_id": grade[1]},
        )
        assert taken.status_code == 409 and dict(FIELD_ERROR.findall(taken.text)).get("code")
        suspended = client.post(
            f"/admin/tenants/{tenant_id[1]}/status",
            data={"csrf_token": token, "status": "suspended"},
        )
        after = client.get(suspended.headers["location"]).text
        assert "客户“Initech 商贸”已暂停" in after
        assert re.search(
            rf'data-tenant="{tenant_id[1]}">.*?<td class="status">已暂停</td>', after, re.S
        )
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "operator1", "operator-pass-1").status_code == 303
        page = client.get("/admin/tenants").text
        assert 'id="tenant-form"' in page and "/status" not in page  # creates, never suspends
        token = csrf_token_of(client, "/admin/tenants")
        refused = client.post(
            f"/admin/tenants/{tenant_id[1]}/status", data={"csrf_token": token, "status": "active"}
        )
        assert refused.status_code == 403
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "acme-admin", "acme-pass-1").status_code == 303
        assert client.get("/admin/tenants").status_code == 403
