"""Console errors are pages in the console's frame and language; the language switch always
leads to a page that can be opened again."""

from __future__ import annotations

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.console import i18n
from hive.platform.config import Settings
from tests.support.console import app_routes, csrf_token_of, sign_in


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


MISSING_AS_ADMIN = [
    ("GET", "/admin/catalog/products/999999"),
    ("GET", "/admin/catalog/products/9223372036854775807"),
    ("POST", "/admin/catalog/products/1/no-such-action"),
    ("GET", "/admin/pricing/rules/999999"),
    ("POST", "/admin/pricing/rules/999999"),
    ("GET", "/admin/catalog/distribution/999999"),
    ("POST", "/admin/catalog/distribution/1/members/no-such-change"),
    ("POST", "/admin/catalog/distribution/1/no-such-switch"),
    ("POST", "/admin/catalog/rules/1/no-such-action"),
]


def _not_found_page(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert "页面或资源不存在" in response.text
    assert "没有权限" not in response.text
    assert "<header" in response.text  # in the console's frame


def test_something_missing_is_not_found_never_no_permission(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, headers={"accept": "text/html"}, timeout=60) as client:
        sign_in(client, "admin", "admin-pass-1")
        token = csrf_token_of(client, "/admin/catalog/pool")
        for method, path in MISSING_AS_ADMIN:
            data = {"csrf_token": token} if method == "POST" else None
            _not_found_page(client.request(method, path, data=data))
    with httpx.Client(base_url=hcm_url, headers={"accept": "text/html"}, timeout=60) as client:
        sign_in(client, "acme-admin", "acme-pass-1")
        _not_found_page(client.get("/workbench/products/999999"))


def test_every_declared_field_has_a_label_in_both_languages(settings: Settings) -> None:
    """A refused value is shown as "<label>：<problem>": a parameter without a label would show
    its raw name (``order_id：不能大于 …``)."""
    app = create_hcm_app(settings, settings.database_url)
    unlabelled = set()
    for route in app_routes(app):
        dependant = route.dependant
        for param in [*dependant.path_params, *dependant.query_params, *dependant.body_params]:
            for language in ("zh", "en"):
                if i18n.translator(language)(f"field.{param.alias}") == f"field.{param.alias}":
                    unlabelled.add(f"{language} {param.alias} ({route.path})")
    assert sorted(unlabelled) == []


def test_a_refused_rule_name_is_called_the_rules_name_not_an_apps(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, headers={"accept": "text/html"}, timeout=60) as client:
        sign_in(client, "admin", "admin-pass-1")
        token = csrf_token_of(client, "/admin/catalog/rules")
        refused = client.post(
            "/admin/catalog/rules",
            data={"csrf_token": token, "name": "a\x00b", "conditions": "{}"},
        )
        order = client.get("/admin/orders/99999999999999999999")
    assert refused.status_code == 422
    assert "名称：不能包含控制字符" in refused.text and "应用名称" not in refused.text
    assert order.status_code == 422 and "订单 ID：不能大于 9223372036854775807" in order.text


def test_a_refused_choice_or_an_empty_field_is_told_in_words_without_codes() -> None:
    """A select's refused value is "choose from the list" (its options are in words on the
    form; the codes behind them mean nothing to a user), and "at least 1 characters" is
    "required", in both languages."""
    from hive.console.error_pages import translate_problems
    from hive.console.i18n import translator

    problems = [
        {"field": "role", "code": "not_a_choice", "params": {"choices": "operator, finance"}},
        {"field": "name", "code": "too_short", "params": {"min": 1}},
        {"field": "name", "code": "too_short", "params": {"min": 8}},
    ]
    assert translate_problems(problems, translator("en"))[1:] == [
        "Name: is required",
        "Name: must be at least 8 characters",
    ]
    for language in ("zh", "en"):
        choice = translate_problems(problems, translator(language))[0]
        assert "operator" not in choice and "finance" not in choice, choice
    assert translate_problems(problems, translator("zh"))[1] == "名称：必填"


def test_a_decimal_field_says_decimals_are_allowed_in_both_languages() -> None:
    """A refused decimal (the grade coefficient, a rule's percent) says it takes a decimal
    point and how many decimals, not "digits 0-9" as if only whole numbers were meant."""
    import hive.catalog.pricing.routes  # noqa: F401  (registers the pricing texts)
    from hive.catalog.pricing import forms
    from hive.catalog.pricing.errors import InvalidPricing
    from hive.console.error_pages import translate_problems
    from hive.console.i18n import translator

    with pytest.raises(InvalidPricing) as refused:
        forms.read_coefficient("1,25")
    problems = refused.value.to_body("r")["details"]["problems"]
    assert translate_problems(problems, translator("zh")) == [
        "价格系数：须为数字，最多 4 位小数（如 1.25）"
    ]
    english = translate_problems(problems, translator("en"))[0]
    assert english.endswith("must be a number with at most 4 decimals (e.g. 1.25)"), english
    plain = [{"field": "coefficient", "code": "not_a_number"}]
    for language in ("zh", "en"):
        sentence = translate_problems(plain, translator(language))[0]
        assert "0-9" not in sentence and "1.25" in sentence, sentence
