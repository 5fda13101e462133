"""The hostile inputs named in the hardening issue, each on the console route it was found on:
a clear 4xx page naming the field in the user's language, never a 500, and the keep-alive
connection stays open through all of them."""

from __future__ import annotations

import httpx
import pytest

from tests.support.console import csrf_token_of, sign_in

# (method, path, form or query, status, the problem line the page shows)
EXAMPLES = [
    ("GET", "/admin/catalog/products/99999999999999999999", {}, 422, "商品 ID：不能大于"),
    (
        "GET",
        "/admin/supplier-messages",
        {"supplier": "9223372036854775808"},
        422,
        "供应商：",  # longer than any supplier id can be
    ),
    ("GET", "/admin/supplier-messages", {"supplier": "²"}, 422, "供应商：须为整数（数字 0-9）"),
    ("GET", "/admin/catalog/pool", {"min_yuan": "١٢٣"}, 422, "最低价（元）：须为最多两位小数"),
    ("GET", "/admin/catalog/pool", {"min_yuan": "𝟏𝟐𝟑"}, 422, "最低价（元）：须为最多两位小数"),
    ("GET", "/admin/catalog/pool", {"min_yuan": "1e309"}, 422, "最低价（元）：须为最多两位小数"),
    # Once "could not convert string to float: 'abc'" and "page * page_size must not exceed 5000".
    ("GET", "/admin/catalog/pool", {"min_yuan": "abc"}, 422, "最低价（元）：须为最多两位小数"),
    ("GET", "/admin/catalog/pool", {"page": "251"}, 422, "页码：不能大于"),
    ("POST", "/admin/catalog/rules", {"name": "规\x00则"}, 422, "名称：不能包含控制字符"),
    ("POST", "/admin/suppliers", {"name": "京\x00东"}, 422, "名称：不能包含控制字符"),
    # Once "1 validation error for SelectSkus".
    ("POST", "/admin/catalog/select", {"supplier_id": "1"}, 422, "SKU：至少 1 项"),
    (
        "POST",
        "/admin/catalog/select",
        {"supplier_id": "9223372036854775808", "sku": "1"},
        422,
        "供应商：不能大于 9223372036854775807",
    ),
]


class OneConnection:
    """A client that notes the local port of every answer's connection."""

    def __init__(self, base_url: str) -> None:
        self.ports: set[int] = set()
        self.client = httpx.Client(
            base_url=base_url,
            headers={"accept": "text/html"},
            limits=httpx.Limits(max_connections=1, keepalive_expiry=600),
            event_hooks={"response": [self._note]},
            timeout=60,
        )

    def _note(self, response: httpx.Response) -> None:
        socket = response.extensions["network_stream"].get_extra_info("socket")
        self.ports.add(socket.getsockname()[1])


def test_a_nul_in_the_login_name_is_a_clear_422_before_sign_in(hcm_url: str) -> None:
    browser = OneConnection(hcm_url)
    with browser.client as client:
        token = csrf_token_of(client, "/login")
        refused = client.post(
            "/login", data={"username": "ad\x00min", "password": "x", "csrf_token": token}
        )
        again = client.get("/login")
    assert refused.status_code == 422 and "用户名：不能包含控制字符" in refused.text
    assert again.status_code == 200 and len(browser.ports) == 1


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_issues_examples_are_clear_4xx_pages_on_one_connection(
    hcm_url: str, language: str
) -> None:
    browser = OneConnection(hcm_url)
    with browser.client as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        client.cookies.set("hive_lang", language)
        token = csrf_token_of(client, "/admin/catalog/rules")
        for method, path, values, status, line in EXAMPLES:
            if method == "GET":
                response = client.get(path, params=values)
            else:
                response = client.post(path, data={**values, "csrf_token": token})
            assert response.status_code == status, (path, values, response.text[-2000:])
            assert response.headers["content-type"].startswith("text/html")
            if language == "zh":
                assert line in response.text, (path, values)
            assert "Traceback" not in response.text and "validation error" not in response.text
    assert len(browser.ports) == 1  # no answer closed the connection
