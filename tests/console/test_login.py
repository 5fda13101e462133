"""Console login over real HTTP: CSRF, wrong passwords, sessions, tenant-scoped home page."""

from __future__ import annotations

import httpx

from tests.support.console import csrf_token_of as _csrf
from tests.support.console import sign_in as _login


def test_home_redirects_to_login_when_signed_out(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_login_page_is_chinese_by_default_and_english_on_request(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        chinese = client.get("/login").text
        english = client.get("/login?lang=en").text
        remembered = client.get("/login").text
    assert "登录" in chinese and '<meta charset="utf-8">' in chinese
    assert "Sign in" in english
    assert "Sign in" in remembered


def test_login_without_csrf_token_is_refused(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        client.get("/login")
        response = client.post("/login", data={"username": "admin", "password": "admin-pass-1"})
        forged = client.post(
            "/login",
            data={"username": "admin", "password": "admin-pass-1", "csrf_token": "forged"},
        )
        home = client.get("/")
    assert response.status_code == 403
    assert forged.status_code == 403
    assert home.status_code == 303


def test_wrong_password_and_oversized_input_are_refused(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        wrong = _login(client, "admin", "not-the-password")
        unknown = _login(client, "ghost", "whatever-123")
        huge = _login(client, "admin", "x" * 10_000)
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert unknown.status_code == 401
    assert huge.status_code == 422
    assert huge.json()["code"] == "validation_failed"


def test_platform_admin_sees_all_tenants(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        response = _login(client, "admin", "admin-pass-1")
        assert response.status_code == 303
        home = client.get("/").text
    assert "企业 acme" in home and "企业 globex" in home
    assert "平台管理员" in home


def test_tenant_admin_sees_only_its_own_company(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        _login(client, "acme-admin", "acme-pass-1")
        home = client.get("/").text
    assert "企业 acme" in home
    assert "企业 globex" not in home
    assert 'id="balance">¥0.00<' in home


def test_logout_needs_the_csrf_token_and_ends_the_session(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        _login(client, "admin", "admin-pass-1")
        refused = client.post("/logout", data={})
        assert refused.status_code == 403
        assert refused.json()["code"] == "csrf_failed"
        token = _csrf(client, "/")
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert client.get("/").status_code == 303
