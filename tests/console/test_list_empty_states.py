"""An empty list says which empty it is: "nothing yet" (with what to do next where it helps)
when there are no rows at all, "no rows match these filters" with a link that clears them when
the filters exclude every row. Every list page goes through the one macro."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

import hive.console
from tests.support.console import sign_in

TEMPLATES = Path(hive.console.__file__).parent / "templates"
EMPTY = re.compile(r'<(?:tr|p)\b[^>]*data-empty="([a-z-]+)"[^>]*>(.*?)</(?:tr|p)>', re.S)
CLEAR = re.compile(r'<a class="clear-filters" href="([^"]+)">')
NEXT = re.compile(r'<a class="next-step" href="([^"]+)">([^<]+)</a>')


def test_every_list_page_template_uses_the_shared_empty_state() -> None:
    """A list page is a template with a pager; its empty row is ``ui.list_empty``."""
    lists = {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(TEMPLATES.glob("*.html"))
        if "ui.pager(" in p.read_text(encoding="utf-8")
    }
    assert len(lists) >= 15, "the scan finds the list pages"
    assert [name for name, source in lists.items() if "ui.list_empty(table" not in source] == []
    assert [name for name, source in lists.items() if "t('table.empty')" in source] == []


def empty_state(page: httpx.Response) -> tuple[str, str]:
    assert page.status_code == 200, page.text[:300]
    found = EMPTY.findall(page.text)
    assert len(found) == 1, f"one empty state on {page.url}: {found}"
    return found[0]


def test_each_list_tells_nothing_yet_from_nothing_matches(
    hcm_url: str, accounts: dict[str, int]
) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "admin", "admin-pass-1")
        kind, text = empty_state(client.get("/admin/catalog/pool"))
        assert kind == "none-yet" and "底池还没有商品" in text
        assert NEXT.findall(text) == [("/admin/catalog/upstream", "去选品")]
        kind, text = empty_state(client.get("/admin/catalog/pool", params={"keyword": "手机"}))
        assert kind == "no-match" and "没有符合筛选条件的记录" in text
        assert CLEAR.findall(text) == ["/admin/catalog/pool"] and not NEXT.findall(text)

        kind, text = empty_state(client.get("/admin/orders"))
        assert kind == "none-yet" and "还没有订单" in text and not CLEAR.findall(text)
        filtered = {"number": "NOPE", "sort": "total", "direction": "asc"}
        kind, text = empty_state(client.get("/admin/orders", params=filtered))
        assert kind == "no-match"
        [clear] = CLEAR.findall(text)
        assert clear == "/admin/orders?sort=total&amp;direction=asc", "the sort stays"
        assert empty_state(client.get(clear.replace("&amp;", "&")))[0] == "none-yet"

        kind, text = empty_state(client.get("/admin/supplier-messages"))
        assert kind == "none-yet" and "还没有收到供应商消息" in text
        kind, text = empty_state(
            client.get("/admin/supplier-messages", params={"status": "failed"})
        )
        assert kind == "no-match" and CLEAR.findall(text) == ["/admin/supplier-messages"]

    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        sign_in(client, "acme-admin", "acme-pass-1")
        kind, text = empty_state(client.get("/workbench/library"))
        assert kind == "none-yet" and NEXT.findall(text) == [("/workbench/pool", "去选品")]
        kind, text = empty_state(client.get("/workbench/library", params={"status": "available"}))
        assert kind == "no-match" and CLEAR.findall(text) == ["/workbench/library"]

        kind, text = empty_state(client.get("/workbench/orders"))
        assert kind == "none-yet" and "还没有订单" in text
        kind, text = empty_state(client.get("/workbench/orders", params={"status": "shipped"}))
        assert kind == "no-match" and CLEAR.findall(text) == ["/workbench/orders"]
        english = client.get("/workbench/orders", params={"status": "shipped", "lang": "en"})
        assert "No rows match these filters." in empty_state(english)[1]
