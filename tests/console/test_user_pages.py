"""The accounts pages over real HTTP: 员工账号 (/admin/staff) for the platform admin and 团队成员
(/workbench/team) for a tenant admin — create (a generated password shown once, or one set
under the rules, each problem next to its field), change role, suspend (sessions end), unlock,
sign out everywhere, the last admin kept; every other role refused; and another tenant's users
out of reach."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from hive.customers.models import User, UserSession
from hive.platform.audit import AuditEntry
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in, signed_in
from tests.support.factories import make_user, user_named

FIELD_ERROR = re.compile(r'<small class="field-error" id="f-([a-z_]+)-error">([^<]+)<')
PASSWORD = re.compile(r'<code id="initial-password">([^<]+)</code>')


def _open(url: str, username: str, password: str) -> httpx.Client:
    """A signed-in client the caller closes."""
    client = httpx.Client(base_url=url, timeout=30)
    assert sign_in(client, username, password).status_code == 303, username
    return client


async def _audited(database: Database, action: str) -> list[AuditEntry]:
    async with database.platform_transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.all())


async def test_admin_creates_a_staff_user_with_a_generated_password_that_signs_in(
    hcm_url: str, database: Database
) -> None:
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, "/admin/staff")
        made = admin.post(
            "/admin/staff",
            data={
                "csrf_token": token,
                "username": "ops-li",
                "display_name": "李运营",
                "role": "operator",
                "password": "",
            },
        )
        assert made.status_code == 200
        password = PASSWORD.search(made.text)
        assert password and "只显示这一次" in made.text
        listing = admin.get("/admin/staff").text
        assert 'data-username="ops-li"' in listing and password[1] not in listing
    with signed_in(hcm_url, "ops-li", password[1]) as ops:
        assert 'id="role">运营<' in ops.get("/").text
        assert ops.get("/admin/staff").status_code == 403
    (entry,) = [e for e in await _audited(database, "user.create") if e.actor_name == "admin"]
    assert entry.details == {"username": "ops-li", "role": "operator"}
    assert password[1] not in str(entry.details)


async def test_refused_fields_are_named_next_to_the_field_and_nothing_is_created(
    hcm_url: str, database: Database
) -> None:
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, "/admin/staff")
        cases = [
            (
                {"username": "x", "display_name": "", "role": "operator"},
                {"username", "display_name"},
            ),
            ({"username": "fin-1", "display_name": "财务", "role": "tenant_user"}, {"role"}),
            (
                {
                    "username": "fin-2",
                    "display_name": "财务",
                    "role": "finance",
                    "password": "short1",
                },
                {"password"},
            ),
            (
                {
                    "username": "fin-3",
                    "display_name": "财务",
                    "role": "finance",
                    "password": "onlyletters",
                },
                {"password"},
            ),
            (
                {
                    "username": "fin-4",
                    "display_name": "财务",
                    "role": "finance",
                    "password": "xfin-4-2026",
                },
                {"password"},
            ),
            ({"username": "admin", "display_name": "重名", "role": "finance"}, {"username"}),
        ]
        for fields, named in cases:
            answer = admin.post("/admin/staff", data={"csrf_token": token, **fields})
            assert answer.status_code in (409, 422), fields
            assert set(dict(FIELD_ERROR.findall(answer.text))) == named, fields
            assert 'id="initial-password"' not in answer.text
        typed = admin.post(
            "/admin/staff",
            data={
                "csrf_token": token,
                "username": "fin-5",
                "display_name": "财务五",
                "role": "finance",
                "password": "abc",
            },
        )
        assert 'value="fin-5"' in typed.text and 'value="abc"' not in typed.text
        assert "至少 8 个字符" in typed.text
        no_csrf = admin.post(
            "/admin/staff", data={"username": "fin-6", "display_name": "f", "role": "finance"}
        )
        assert no_csrf.status_code == 403
    async with database.platform_transaction() as session:
        names = set((await session.scalars(select(User.username))).all())
    assert not {"x", "fin-1", "fin-2", "fin-3", "fin-4", "fin-5", "fin-6"} & names


async def test_suspending_ends_the_sessions_and_the_last_admin_is_kept(
    hcm_url: str, database: Database
) -> None:
    ops_id = await make_user(database, "ops-wang", "ops-pass-123", role=Role.OPERATOR)
    admin_id = (await user_named(database, "admin")).id
    ops = _open(hcm_url, "ops-wang", "ops-pass-123")
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, "/admin/staff")
        done = admin.post(
            f"/admin/staff/{ops_id}/status", data={"csrf_token": token, "status": "disabled"}
        )
        assert (
            "账号“ops-wang”已停用，1 个登录会话已结束" in admin.get(done.headers["location"]).text
        )
        assert ops.get("/").status_code == 303  # its session ended on the server
        assert sign_in(ops, "ops-wang", "ops-pass-123").status_code == 403
        admin.post(f"/admin/staff/{ops_id}/status", data={"csrf_token": token, "status": "active"})
        promoted = admin.post(
            f"/admin/staff/{ops_id}/role", data={"csrf_token": token, "role": "platform_admin"}
        )
        assert promoted.status_code == 303
        # Two admins now: "admin" may not demote itself, but ops-wang's may be demoted back.
        own = admin.post(
            f"/admin/staff/{admin_id}/role", data={"csrf_token": token, "role": "finance"}
        )
        assert own.status_code == 409 and "不能在此停用、降级或退出自己的账号" in own.text
        own_sign_out = admin.post(f"/admin/staff/{admin_id}/sign-out", data={"csrf_token": token})
        assert own_sign_out.status_code == 409  # one's own sessions: 我的登录会话
        assert admin.get("/admin/staff").status_code == 200  # still signed in
        admin.post(f"/admin/staff/{ops_id}/role", data={"csrf_token": token, "role": "operator"})
        bad_role = admin.post(
            f"/admin/staff/{ops_id}/role", data={"csrf_token": token, "role": "tenant_admin"}
        )
        assert bad_role.status_code == 422
    ops.close()
    async with database.platform_transaction() as session:
        user = await session.get(User, ops_id)
        assert user is not None and user.role == "operator" and user.status == "active"
        live = await session.scalars(
            select(UserSession).where(
                UserSession.user_id == ops_id, UserSession.revoked_at.is_(None)
            )
        )
        assert live.all() == []
    roles = [e.details for e in await _audited(database, "user.role")]
    assert roles == [
        {"from": "operator", "to": "platform_admin"},
        {"from": "platform_admin", "to": "operator"},
    ]


async def test_the_last_platform_admin_cannot_be_suspended_or_demoted(database: Database) -> None:
    from hive.customers import users
    from hive.customers.errors import LastAdmin
    from hive.customers.models import UserStatus
    from hive.platform.actor import Actor

    admin_id = await make_user(database, "only-admin", "only-admin-1", role=Role.PLATFORM_ADMIN)
    other = Actor(user_id=None, username="cli:root", role=Role.PLATFORM_ADMIN.value)
    for change in (
        lambda s: users.change_status(s, other, admin_id, UserStatus.DISABLED),
        lambda s: users.change_role(s, other, admin_id, Role.OPERATOR),
    ):
        with pytest.raises(LastAdmin):
            async with database.platform_transaction() as session:
                await change(session)
    async with database.platform_transaction() as session:
        user = await session.get(User, admin_id)
        assert user is not None and user.status == "active" and user.role == "platform_admin"


async def test_admin_unlocks_a_locked_staff_account_and_signs_it_out_everywhere(
    hcm_url: str, database: Database
) -> None:
    fin_id = await make_user(database, "fin-zhao", "fin-pass-123", role=Role.FINANCE)
    fin = _open(hcm_url, "fin-zhao", "fin-pass-123")
    with httpx.Client(base_url=hcm_url, timeout=30) as guesser:
        for _ in range(6):
            sign_in(guesser, "fin-zhao", "wrong-guess-1")
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        listing = admin.get("/admin/staff").text
        row = re.search(rf'data-user="{fin_id}".*?</tr>', listing, re.S)
        assert row and "登录已锁定至" in row[0] and f"/admin/staff/{fin_id}/unlock" in row[0]
        token = csrf_token_of(admin, "/admin/staff")
        unlocked = admin.post(f"/admin/staff/{fin_id}/unlock", data={"csrf_token": token})
        assert "已解除“fin-zhao”的登录锁定" in admin.get(unlocked.headers["location"]).text
        out = admin.post(f"/admin/staff/{fin_id}/sign-out", data={"csrf_token": token})
        assert "“fin-zhao”的 1 个登录会话已结束" in admin.get(out.headers["location"]).text
    assert fin.get("/").status_code == 303
    assert sign_in(fin, "fin-zhao", "fin-pass-123").status_code == 303
    fin.close()
    assert await _audited(database, "user.unlock") and await _audited(
        database, "user.sign_out_everywhere"
    )


@pytest.mark.parametrize(
    ("username", "password", "path"),
    [
        ("operator1", "correct-horse-1", "/admin/staff"),
        ("finance1", "correct-horse-1", "/admin/staff"),
        ("acme-admin", "acme-pass-1", "/admin/staff"),
        ("acme-user", "correct-horse-1", "/admin/staff"),
        ("admin", "admin-pass-1", "/workbench/team"),
        ("operator1", "correct-horse-1", "/workbench/team"),
        ("finance1", "correct-horse-1", "/workbench/team"),
        ("acme-user", "correct-horse-1", "/workbench/team"),
    ],
)
async def test_other_roles_can_neither_open_nor_post_the_accounts_pages(
    hcm_url: str,
    database: Database,
    accounts: dict[str, int],
    username: str,
    password: str,
    path: str,
) -> None:
    await make_user(database, "operator1", "correct-horse-1", role=Role.OPERATOR)
    await make_user(database, "finance1", "correct-horse-1", role=Role.FINANCE)
    await make_user(
        database, "acme-user", "correct-horse-1", role=Role.TENANT_USER, tenant_id=accounts["acme"]
    )
    target = (
        await user_named(database, "acme-user" if path == "/workbench/team" else "operator1")
    ).id
    with signed_in(hcm_url, username, password) as client:
        assert client.get(path).status_code == 403
        token = csrf_token_of(client, "/account/sessions")
        for suffix, data in (
            ("", {"username": "sneaky", "display_name": "s", "role": "tenant_user"}),
            (f"/{target}/role", {"role": "tenant_admin"}),
            (f"/{target}/status", {"status": "disabled"}),
            (f"/{target}/unlock", {}),
            (f"/{target}/sign-out", {}),
            (f"/{target}/password", {"password": ""}),
        ):
            answer = client.post(path + suffix, data={"csrf_token": token, **data})
            assert answer.status_code == 403, (username, path + suffix)
    async with database.platform_transaction() as session:
        user = await session.get(User, target)
        assert user is not None and user.status == "active"
        assert await session.scalar(select(User).where(User.username == "sneaky")) is None


async def test_tenant_admin_manages_its_team_and_cannot_touch_another_tenant(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    globex_user = await make_user(
        database,
        "globex-user",
        "globex-pass-2",
        role=Role.TENANT_USER,
        tenant_id=accounts["globex"],
    )
    globex_admin = (await user_named(database, "globex-admin")).id
    staff_admin = (await user_named(database, "admin")).id
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as acme:
        made = acme.post(
            "/workbench/team",
            data={
                "csrf_token": csrf_token_of(acme, "/workbench/team"),
                "username": "acme-buyer",
                "display_name": "采购小张",
                "role": "tenant_user",
                "password": "Buyer-2026-x",
            },
        )
        assert made.status_code == 200 and "使用您设置的密码登录" in made.text
        listing = acme.get("/workbench/team").text
        assert 'data-username="acme-buyer"' in listing and 'data-username="acme-admin"' in listing
        assert "globex" not in listing and 'data-username="admin"' not in listing
        token = csrf_token_of(acme, "/workbench/team")
        staff_role = acme.post(
            "/workbench/team",
            data={
                "csrf_token": token,
                "username": "acme-boss",
                "display_name": "b",
                "role": "platform_admin",
            },
        )
        assert staff_role.status_code == 422 and dict(FIELD_ERROR.findall(staff_role.text)).get(
            "role"
        )
        for target in (globex_user, globex_admin, staff_admin):
            for suffix, data in (
                ("/role", {"role": "tenant_admin"}),
                ("/status", {"status": "disabled"}),
                ("/unlock", {}),
                ("/sign-out", {}),
            ):
                answer = acme.post(
                    f"/workbench/team/{target}{suffix}", data={"csrf_token": token, **data}
                )
                assert answer.status_code == 404, (target, suffix)
        own_id = (await user_named(database, "acme-admin")).id
        last = acme.post(
            f"/workbench/team/{own_id}/status", data={"csrf_token": token, "status": "disabled"}
        )
        assert last.status_code == 409
    with signed_in(hcm_url, "acme-buyer", "Buyer-2026-x") as buyer:
        assert buyer.get("/workbench/team").status_code == 403
    async with database.platform_transaction() as session:
        for user_id in (globex_user, globex_admin, staff_admin):
            user = await session.get(User, user_id)
            assert (
                user is not None
                and user.status == "active"
                and user.role in ("tenant_user", "tenant_admin", "platform_admin")
            )
        buyer_row = await session.scalar(select(User).where(User.username == "acme-buyer"))
        assert buyer_row is not None and buyer_row.tenant_id == accounts["acme"]
    entries = await _audited(database, "user.create")
    by_acme = [
        (e.tenant_id, e.details["username"]) for e in entries if e.actor_name == "acme-admin"
    ]
    assert by_acme == [(accounts["acme"], "acme-buyer")]
