"""Every list page, found by walking the menu of each kind of user, pages the same way:
"第 x / y 页" with x never past y, a page past the end shows the last page (or a clear
refusal naming the page), an unknown parameter is refused naming it, an empty list says so."""

from __future__ import annotations

import re

import httpx

from tests.catalog.search.conftest import Pool
from tests.support.console import sign_in

MENU_LINK = re.compile(r'<a href="([^"]+)" data-menu=')
PAGE_OF = re.compile(r'<span id="page">第 ([\d,]+) / ([\d,]+) 页</span>')
BEYOND = "200"  # past the end of every list here, within how deep a search may go
BROWSER = {"accept": "text/html"}  # refusals as the page a browser gets


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def page_of(html: str) -> tuple[int, int]:
    found = PAGE_OF.search(html)
    assert found, "no 第 x / y 页 on a list page"
    return _number(found[1]), _number(found[2])


def list_pages(client: httpx.Client, extra: list[str]) -> list[str]:
    """The pages of this user's menu that show a pager, and ``extra`` (lists under an item)."""
    menu = MENU_LINK.findall(client.get("/").text)
    assert menu, "the home page shows no menu"
    return [
        path for path in dict.fromkeys([*menu, *extra]) if 'class="pager"' in client.get(path).text
    ]


def walk(client: httpx.Client, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200, path
    page, pages = page_of(first.text)
    assert 1 == page <= pages, path
    if "共 0 条" in first.text or "共 0 件" in first.text:
        assert 'class="empty' in first.text, f"{path}: an empty list does not say so"
    beyond = client.get(path, params={"page": BEYOND})
    if beyond.status_code == 200:
        assert page_of(beyond.text) == (pages, pages), f"{path}?page={BEYOND}"
    else:  # deeper than a search may go: refused, naming the page
        assert beyond.status_code == 422 and "页码" in beyond.text, path
    typo = client.get(path, params={"colour": "red"})
    assert typo.status_code == 422 and "colour" in typo.text, f"{path}: unknown parameter"
    bad_page = client.get(path, params={"page": "0"})
    assert bad_page.status_code == 422 and "页码" in bad_page.text, path


async def test_every_list_page_pages_refuses_and_stops_at_the_last_page(
    hcm_url: str, accounts: dict[str, int], pool: Pool
) -> None:
    walked: dict[str, list[str]] = {}
    for username, password, extra in (
        (
            "admin",
            "admin-pass-1",
            [
                f"/admin/billing/{accounts['acme']}",
                "/admin/pricing/special-prices",
                f"/admin/tenants/{accounts['acme']}/users",
            ],
        ),
        ("acme-admin", "acme-pass-1", []),
    ):
        with httpx.Client(base_url=hcm_url, timeout=60, headers=BROWSER) as client:
            sign_in(client, username, password)
            walked[username] = list_pages(client, extra)
            for path in walked[username]:
                walk(client, path)
    assert {"/admin/catalog/pool", "/admin/audit-log", "/admin/supplier-messages",
            "/admin/tenants", "/admin/jobs", "/admin/pricing/special-prices",
            f"/admin/tenants/{accounts['acme']}/users"} <= set(
        walked["admin"]
    )  # fmt: skip
    assert {"/workbench/pool", "/workbench/library", "/workbench/account"} <= set(
        walked["acme-admin"]
    )
