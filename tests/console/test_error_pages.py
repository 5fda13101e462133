"""Console errors are pages in the console's frame and language; the language switch always
leads to a page that can be opened again."""

from __future__ import annotations

import httpx
import pytest

from tests.support.console import csrf_token_of, sign_in


@pytest.mark.parametrize("path", ["/admin", "/workbench", "/no/such/page"])
def test_unknown_console_paths_answer_a_not_found_page(hcm_url: str, path: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        response = client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "页面或资源不存在" in response.text
    assert "<header" in response.text  # in the console's frame


def test_an_api_client_still_gets_json(hcm_url: str) -> None:
    response = httpx.get(f"{hcm_url}/no/such/page", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_refused_input_names_the_field_in_the_users_language(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        chinese = client.get("/admin/supplier-messages?page=0", headers={"accept": "text/html"})
        client.cookies.set("hive_lang", "en")
        english = client.get("/admin/supplier-messages?page=abc", headers={"accept": "text/html"})
    assert chinese.status_code == 422
    assert "页码：不能小于 1" in chinese.text
    assert "validation error" not in chinese.text
    assert english.status_code == 422
    assert "Page: must be a whole number (digits 0-9)" in english.text


def test_switching_language_after_a_form_post_returns_to_a_readable_page(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        token = csrf_token_of(client)
        failed = client.post(
            "/login",
            data={"username": "admin", "password": "wrong", "csrf_token": token},
            headers={"referer": f"{hcm_url}/login", "accept": "text/html"},
        )
        assert failed.status_code == 401
        assert 'href="/language?to=en&amp;next=/login"' in failed.text
        switched = client.get("/language?to=en&next=%2Flogin", follow_redirects=True)
    assert switched.status_code == 200
    assert "Sign in" in switched.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil", "x"])
def test_the_language_switch_never_leaves_the_site(hcm_url: str, target: str) -> None:
    response = httpx.get(f"{hcm_url}/language", params={"to": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
