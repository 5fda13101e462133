"""Server-side sessions and sign-in throttling through the console over real HTTP."""

from __future__ import annotations

import re

import httpx

from hive.customers import signin
from hive.platform.browser_session import COOKIE_NAME
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user

SESSION_ROW = re.compile(r'name="session_id" value="([0-9a-f]{64})"')


def _client(hcm_url: str, token: str | None = None) -> httpx.Client:
    cookies = {COOKIE_NAME: token} if token else None
    # Generous: argon2 on a loaded shared machine can take seconds.
    return httpx.Client(base_url=hcm_url, cookies=cookies, timeout=60)


def test_a_cookie_saved_before_logout_no_longer_opens_pages(hcm_url: str) -> None:
    with _client(hcm_url) as browser:
        assert sign_in(browser, "acme-admin", "acme-pass-1").status_code == 303
        saved = browser.cookies[COOKIE_NAME]
        assert browser.get("/workbench/pool").status_code == 200
        token = csrf_token_of(browser, "/")
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 303
    with _client(hcm_url, saved) as replay:
        response = replay.get("/workbench/pool")
        home = replay.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert home.status_code == 303


def test_the_cookie_is_an_opaque_token_renewed_at_sign_in(hcm_url: str) -> None:
    with _client(hcm_url) as browser:
        before = csrf_token_of(browser)
        anonymous = browser.cookies[COOKIE_NAME]
        sign_in(browser, "admin", "admin-pass-1")
        signed_in = browser.cookies[COOKIE_NAME]
        after = csrf_token_of(browser, "/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", signed_in)
    assert signed_in != anonymous and after != before
    with _client(hcm_url, anonymous) as planted:  # a token known before sign-in opens nothing
        assert planted.get("/").status_code == 303


def test_25_wrong_passwords_then_the_right_one_does_not_sign_in(hcm_url: str) -> None:
    with _client(hcm_url) as browser:
        codes = [sign_in(browser, "acme-admin", "wrong-pass-1").status_code for _ in range(25)]
        right = sign_in(browser, "acme-admin", "acme-pass-1")
        home = browser.get("/")
        english = browser.post(
            "/login?lang=en",
            data={
                "username": "acme-admin",
                "password": "acme-pass-1",
                "csrf_token": csrf_token_of(browser),
            },
        )
    assert codes[:4] == [401] * 4 and set(codes[4:]) == {429}
    assert right.status_code == 429
    assert home.status_code == 303
    assert int(right.headers["retry-after"]) > 0
    message = re.search(r'id="login-error">([^<]+)<', right.text)
    assert message and "已暂时锁定" in message.group(1) and "分钟后再试" in message.group(1)
    assert english.status_code == 429
    assert "Try again in 15 minutes" in english.text


def test_a_user_sees_and_ends_their_own_sessions(hcm_url: str) -> None:
    with _client(hcm_url) as laptop, _client(hcm_url) as phone:
        sign_in(laptop, "acme-admin", "acme-pass-1")
        phone.headers["user-agent"] = "PhoneBrowser/1.0"
        sign_in(phone, "acme-admin", "acme-pass-1")
        page = laptop.get("/account/sessions")
        assert page.status_code == 200
        assert "PhoneBrowser/1.0" in page.text and "当前设备" in page.text
        ids = SESSION_ROW.findall(page.text)
        assert len(ids) == 2
        current = re.search(r'<tr class="current">.*?value="([0-9a-f]{64})"', page.text, re.S)
        assert current is not None
        other = next(i for i in ids if i != current.group(1))
        token = csrf_token_of(laptop, "/account/sessions")
        ended = laptop.post(
            "/account/sessions/end", data={"session_id": other, "csrf_token": token}
        )
        assert ended.status_code == 303
        assert phone.get("/workbench/pool").status_code == 303
        assert laptop.get("/workbench/pool").status_code == 200
        refused = laptop.post(
            "/account/sessions/end", data={"session_id": other, "csrf_token": token}
        )
        assert refused.status_code == 404


def test_changing_the_password_signs_out_the_other_devices(hcm_url: str) -> None:
    with _client(hcm_url) as laptop, _client(hcm_url) as phone:
        sign_in(laptop, "acme-admin", "acme-pass-1")
        sign_in(phone, "acme-admin", "acme-pass-1")
        token = csrf_token_of(laptop, "/account/sessions")
        changed = laptop.post(
            "/account/password",
            data={
                "current_password": "acme-pass-1",
                "new_password": "acme-pass-2",
                "csrf_token": token,
            },
        )
        assert changed.status_code == 200 and 'id="password-changed"' in changed.text
        assert phone.get("/").status_code == 303
        assert laptop.get("/").status_code == 200


def test_a_platform_admin_unlocks_and_signs_out_everywhere(hcm_url: str) -> None:
    with _client(hcm_url) as victim, _client(hcm_url) as admin:
        for _ in range(5):
            sign_in(victim, "globex-admin", "wrong-pass-1")
        assert sign_in(victim, "globex-admin", "globex-pass-1").status_code == 429
        sign_in(admin, "admin", "admin-pass-1")
        page = admin.get("/admin/accounts")
        assert '<td class="username">globex-admin</td>' in page.text
        token = csrf_token_of(admin, "/admin/accounts")
        unlocked = admin.post(
            "/admin/accounts/unlock", data={"username": "globex-admin", "csrf_token": token}
        )
        assert unlocked.status_code == 200
        assert '<td class="username">globex-admin</td>' not in unlocked.text
        assert sign_in(victim, "globex-admin", "globex-pass-1").status_code == 303
        assert victim.get("/").status_code == 200
        signed_out = admin.post(
            "/admin/accounts/sign-out", data={"username": "globex-admin", "csrf_token": token}
        )
        assert signed_out.status_code == 200 and 'id="done"' in signed_out.text
        assert victim.get("/").status_code == 303


def test_account_actions_are_for_platform_admins_only(hcm_url: str) -> None:
    with _client(hcm_url) as tenant:
        sign_in(tenant, "acme-admin", "acme-pass-1")
        token = csrf_token_of(tenant, "/account/sessions")
        assert tenant.get("/admin/accounts").status_code == 403
        refused = tenant.post(
            "/admin/accounts/sign-out", data={"username": "admin", "csrf_token": token}
        )
        assert refused.status_code == 403


async def test_an_operator_may_not_unlock_or_sign_out_accounts(
    database: Database, hcm_url: str
) -> None:
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    with _client(hcm_url) as victim:
        for _ in range(5):
            sign_in(victim, "globex-admin", "wrong-pass-1")
    with _client(hcm_url) as operator:
        sign_in(operator, "operator1", "operator-pass-1")
        token = csrf_token_of(operator, "/account/sessions")
        page = operator.get("/admin/accounts")
        unlocked = operator.post(
            "/admin/accounts/unlock", data={"username": "globex-admin", "csrf_token": token}
        )
        signed_out = operator.post(
            "/admin/accounts/sign-out", data={"username": "acme-admin", "csrf_token": token}
        )
    assert (page.status_code, unlocked.status_code, signed_out.status_code) == (403, 403, 403)
    assert "globex-admin" not in page.text + unlocked.text  # the locked list is not shown
    async with database.platform_transaction() as session:
        locked = await signin.locked_accounts(session)
    assert [account.username for account in locked] == ["globex-admin"]


def test_guessing_the_current_password_is_throttled_like_sign_in(hcm_url: str) -> None:
    with _client(hcm_url) as thief:
        sign_in(thief, "acme-admin", "acme-pass-1")  # a session someone else got hold of
        token = csrf_token_of(thief, "/account/sessions")

        def change(current: str, lang: str = "zh") -> httpx.Response:
            return thief.post(
                f"/account/password?lang={lang}",
                data={
                    "current_password": current,
                    "new_password": "thief-pass-1",
                    "csrf_token": token,
                },
            )

        codes = [change(f"guess-{n}").status_code for n in range(6)]
        right = change("acme-pass-1")
        english = change("acme-pass-1", lang="en")
    assert codes[:4] == [403] * 4 and set(codes[4:]) == {429}
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    message = re.search(r'id="error">([^<]+)<', right.text)
    assert message and "当前密码错误次数过多" in message.group(1)
    assert "分钟后再试" in message.group(1)
    assert "Too many wrong current passwords" in english.text
    with _client(hcm_url) as owner:  # the lock holds for signing in too: the same counters
        assert sign_in(owner, "acme-admin", "thief-pass-1").status_code == 429
