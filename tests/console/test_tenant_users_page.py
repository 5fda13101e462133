"""A tenant's users in the admin console (/admin/tenants/{id}/users) over real HTTP: the
platform admin lists them, adds one, changes its role, suspends and reactivates it, resets its
password (generated and shown once, or set under the rules, the problem next to the field) and
signs it out everywhere, each audited with the tenant; an action sent to another tenant's
address changes nothing; other roles are refused."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from hive.customers.models import User, UserSession
from hive.platform.audit import AuditEntry
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in, signed_in
from tests.support.factories import make_user, user_named

PASSWORD = re.compile(r'<code id="initial-password">([^<]+)</code>')
FIELD_ERROR = re.compile(r'<small class="field-error" id="f-([a-z_]+)-error">([^<]+)<')


async def _live_sessions(database: Database, user_id: int) -> int:
    async with database.platform_transaction() as session:
        rows = await session.scalars(
            select(UserSession).where(
                UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
            )
        )
        return len(rows.all())


async def _audited(database: Database, action: str) -> list[AuditEntry]:
    async with database.platform_transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_admin_manages_a_tenants_users_from_the_tenants_page(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    acme = accounts["acme"]
    page = f"/admin/tenants/{acme}/users"
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        assert f'href="{page}"' in admin.get("/admin/tenants").text
        listing = admin.get(page)
        assert listing.status_code == 200 and "客户“企业 acme”的用户" in listing.text
        assert 'data-username="acme-admin"' in listing.text
        assert 'data-username="globex-admin"' not in listing.text
        assert 'data-username="admin"' not in listing.text
        english = admin.get(page, params={"lang": "en"}).text
        assert "Users of" in english and "Reset password" in english
        admin.get(page, params={"lang": "zh"})
        token = csrf_token_of(admin, page)
        staff_role = admin.post(
            page,
            data={
                "csrf_token": token,
                "username": "acme-x",
                "display_name": "x",
                "role": "finance",
            },
        )
        assert staff_role.status_code == 422 and "role" in dict(
            FIELD_ERROR.findall(staff_role.text)
        )
        made = admin.post(
            page,
            data={
                "csrf_token": token,
                "username": "acme-buyer",
                "display_name": "采购小王",
                "role": "tenant_user",
                "password": "",
            },
        )
        assert made.status_code == 200
        first = PASSWORD.search(made.text)
        assert first and "只显示这一次" in made.text
    buyer_id = (await user_named(database, "acme-buyer")).id
    assert (await user_named(database, "acme-buyer")).tenant_id == acme
    with signed_in(hcm_url, "acme-buyer", first[1]) as buyer:
        assert buyer.get("/workbench/team").status_code == 403
        with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
            row = re.search(rf'data-user="{buyer_id}".*?</tr>', admin.get(page).text, re.S)
            assert row and "采购小王" in row[0] and 'value="tenant_user" selected' in row[0]
            assert '<td class="status">正常' in row[0]
            assert "从未登录" not in row[0]  # it signed in just now
            token = csrf_token_of(admin, page)
            promoted = admin.post(
                f"{page}/{buyer_id}/role", data={"csrf_token": token, "role": "tenant_admin"}
            )
            assert promoted.status_code == 303
            suspended = admin.post(
                f"{page}/{buyer_id}/status", data={"csrf_token": token, "status": "disabled"}
            )
            assert "1 个登录会话已结束" in admin.get(suspended.headers["location"]).text
            assert buyer.get("/").status_code == 303  # its session ended on the server
            admin.post(f"{page}/{buyer_id}/status", data={"csrf_token": token, "status": "active"})
            form = admin.get(f"{page}/{buyer_id}/password")
            assert form.status_code == 200 and 'name="password"' in form.text
            reset = admin.post(
                f"{page}/{buyer_id}/password", data={"csrf_token": token, "password": ""}
            )
            assert reset.status_code == 200 and "只显示这一次" in reset.text
            second = PASSWORD.search(reset.text)
            assert second and second[1] != first[1]
    with httpx.Client(base_url=hcm_url, timeout=30) as old:
        assert sign_in(old, "acme-buyer", first[1]).status_code != 303
    buyer = httpx.Client(base_url=hcm_url, timeout=30)
    assert sign_in(buyer, "acme-buyer", second[1]).status_code == 303
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, page)
        weak = admin.post(
            f"{page}/{buyer_id}/password", data={"csrf_token": token, "password": "short1"}
        )
        assert weak.status_code == 422
        assert dict(FIELD_ERROR.findall(weak.text)).get("password")
        assert await _live_sessions(database, buyer_id) == 1  # the refused reset changed nothing
        chosen = admin.post(
            f"{page}/{buyer_id}/password",
            data={"csrf_token": token, "password": "Chosen-2026-pw"},
        )
        assert chosen.status_code == 200 and 'id="initial-password"' not in chosen.text
        assert await _live_sessions(database, buyer_id) == 0
        assert buyer.get("/").status_code == 303
        assert sign_in(buyer, "acme-buyer", "Chosen-2026-pw").status_code == 303
        out = admin.post(f"{page}/{buyer_id}/sign-out", data={"csrf_token": token})
        assert "1 个登录会话已结束" in admin.get(out.headers["location"]).text
        assert buyer.get("/").status_code == 303
    buyer.close()
    row_after = await user_named(database, "acme-buyer")
    assert row_after.role == "tenant_admin" and row_after.status == "active"
    for action in (
        "user.create",
        "user.role",
        "user.status",
        "user.password_reset",
        "user.sign_out_everywhere",
    ):
        entries = [e for e in await _audited(database, action) if e.actor_name == "admin"]
        assert entries and all(e.tenant_id == acme for e in entries), action
    resets = [e.details for e in await _audited(database, "user.password_reset")]
    assert resets == [
        {"generated": True, "sessions_ended": 0},
        {"generated": False, "sessions_ended": 1},
    ]
    assert second[1] not in str(resets)


async def test_an_action_for_a_user_of_another_tenant_changes_nothing(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    acme_user = await make_user(
        database, "acme-clerk", "clerk-pass-1", role=Role.TENANT_USER, tenant_id=accounts["acme"]
    )
    before = await user_named(database, "acme-clerk")
    staff_admin = (await user_named(database, "admin")).id
    globex_page = f"/admin/tenants/{accounts['globex']}/users"
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, globex_page)
        for target in (acme_user, staff_admin):
            for suffix, data in (
                ("/role", {"role": "tenant_admin"}),
                ("/status", {"status": "disabled"}),
                ("/unlock", {}),
                ("/sign-out", {}),
                ("/password", {"password": ""}),
            ):
                answer = admin.post(
                    f"{globex_page}/{target}{suffix}", data={"csrf_token": token, **data}
                )
                assert answer.status_code == 404, (target, suffix)
            assert admin.get(f"{globex_page}/{target}/password").status_code == 404
        missing = admin.get("/admin/tenants/999999/users")
        assert missing.status_code == 404
        nowhere = admin.post(
            "/admin/tenants/999999/users",
            data={
                "csrf_token": token,
                "username": "ghost",
                "display_name": "g",
                "role": "tenant_user",
            },
        )
        assert nowhere.status_code == 404
    after = await user_named(database, "acme-clerk")
    assert (after.role, after.status, after.password_hash) == (
        before.role,
        before.status,
        before.password_hash,
    )
    async with database.platform_transaction() as session:
        assert await session.scalar(select(User).where(User.username == "ghost")) is None
    assert await _audited(database, "user.password_reset") == []


async def test_only_the_platform_admin_opens_a_tenants_users(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    await make_user(database, "operator1", "correct-horse-1", role=Role.OPERATOR)
    await make_user(database, "finance1", "correct-horse-1", role=Role.FINANCE)
    acme = accounts["acme"]
    target = (await user_named(database, "acme-admin")).id
    page = f"/admin/tenants/{acme}/users"
    for username, password in (
        ("operator1", "correct-horse-1"),
        ("finance1", "correct-horse-1"),
        ("acme-admin", "acme-pass-1"),
        ("globex-admin", "globex-pass-1"),
    ):
        with signed_in(hcm_url, username, password) as client:
            assert client.get(page).status_code == 403, username
            assert f'href="{page}"' not in client.get("/admin/tenants").text
            token = csrf_token_of(client, "/account/sessions")
            for suffix, data in (
                ("", {"username": "sneaky", "display_name": "s", "role": "tenant_user"}),
                (f"/{target}/role", {"role": "tenant_user"}),
                (f"/{target}/status", {"status": "disabled"}),
                (f"/{target}/sign-out", {}),
                (f"/{target}/password", {"password": "Sneaky-2026-pw"}),
            ):
                answer = client.post(page + suffix, data={"csrf_token": token, **data})
                assert answer.status_code == 403, (username, suffix)
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        no_csrf = admin.post(f"{page}/{target}/password", data={"password": ""})
        assert no_csrf.status_code == 403
    user = await user_named(database, "acme-admin")
    assert user.status == "active" and user.role == "tenant_admin"
    assert await _audited(database, "user.password_reset") == []


async def test_a_tenant_admin_resets_its_own_users_passwords_only(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    clerk = await make_user(
        database, "acme-clerk", "clerk-pass-1", role=Role.TENANT_USER, tenant_id=accounts["acme"]
    )
    globex_user = await make_user(
        database,
        "globex-user",
        "globex-pass-2",
        role=Role.TENANT_USER,
        tenant_id=accounts["globex"],
    )
    own = (await user_named(database, "acme-admin")).id
    staff_admin = (await user_named(database, "admin")).id
    before = {u: (await user_named(database, u)).password_hash for u in ("globex-user", "admin")}
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as acme:
        token = csrf_token_of(acme, "/workbench/team")
        for target in (globex_user, staff_admin):
            assert acme.get(f"/workbench/team/{target}/password").status_code == 404
            answer = acme.post(
                f"/workbench/team/{target}/password", data={"csrf_token": token, "password": ""}
            )
            assert answer.status_code == 404 and 'id="initial-password"' not in answer.text
        mine = acme.post(
            f"/workbench/team/{own}/password", data={"csrf_token": token, "password": ""}
        )
        assert mine.status_code == 409 and 'id="initial-password"' not in mine.text
        reset = acme.post(
            f"/workbench/team/{clerk}/password", data={"csrf_token": token, "password": ""}
        )
        assert reset.status_code == 200
        fresh = PASSWORD.search(reset.text)
        assert fresh
    with signed_in(hcm_url, "acme-clerk", fresh[1]) as clerk_client:
        token = csrf_token_of(clerk_client, "/account/sessions")
        refused = clerk_client.post(
            f"/workbench/team/{own}/password", data={"csrf_token": token, "password": ""}
        )
        assert refused.status_code == 403
    after = {u: (await user_named(database, u)).password_hash for u in ("globex-user", "admin")}
    assert after == before
    (entry,) = await _audited(database, "user.password_reset")
    assert (entry.actor_name, entry.tenant_id, entry.target_id) == (
        "acme-admin",
        accounts["acme"],
        str(clerk),
    )
