"""One money format on every page of both front ends: ``¥12,345.67`` (``-¥12.50``), the unit in
the value. Two nets: the templates (every amount a template prints goes through ``money()``,
``yuan()`` only fills form fields and links), and every page of a console with orders, balances
and prices, crawled as each kind of user (no bare yuan number, no raw fen, no other ¥ form)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

import hive.console
from hive.catalog import repository as catalog_repository
from hive.platform.config import Settings
from tests.orders.order_pages_support import (
    Orders,
    client_as,
    hcm,
    place_orders,
    suppliers,
)
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.orders.test_order_checkout import AREAS, _add

__all__ = ["hcm", "shop", "suppliers", "world"]
TEMPLATES = Path(hive.console.__file__).parent / "templates"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
# An amount as shown: optional minus, ¥, grouped digits, two decimals (more only for the exact
# pricing steps of the price explanation).
SHOWN = re.compile(r"-?¥(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})*)\.[0-9]{2,}")
# Anything that looks like an amount: ¥ and what follows it, or a number with two decimals
# (settings, coefficients and percentages have other shapes: 20.0, 1.1, -99.9999).
AMOUNT_LIKE = re.compile(r"-?¥[-0-9,.]*|(?<![\w.,:/-])-?[0-9][0-9,]*\.[0-9]{2}(?![\w.])")
# A decimal that is not money: a percentage, a coefficient (× 1.05), a duration.
NOT_MONEY_AFTER = re.compile(r"\s?(?:%|秒|s\b|ms\b|倍|即)")  # 即: "0.95 即九五折"
NOT_MONEY_BEFORE = re.compile(r"(?:×|x|系数|coefficient)\s?$")
# A fen value in a condition (``x_fen is not none``, ``a_fen == b_fen``) prints nothing.
COMPARED = re.compile(
    r"[\w.]*_fen\s*(?:is\b|==|!=|<|>)(?:\s*[\w.]*_fen\b)?|(?:==|!=|<|>)\s*[\w.]*_fen\b"
)
SKIPPED = ("/language", "/logout", "/static/", "/images/", ".csv", "/export", "/jobs/")


def _template_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.html"))}


def _in_text(source: str) -> list[tuple[int, str]]:
    """The ``{{ … }}`` expressions of a template that print into the page's text (not into a
    tag's attribute), with their positions."""
    masked = JINJA.sub(lambda m: " " * len(m.group()), source)
    found = []
    for match in EXPRESSION.finditer(source):
        inside_tag = masked.rfind("<", 0, match.start()) > masked.rfind(">", 0, match.start())
        if not inside_tag:
            found.append((match.start(), match.group(1)))
    return found


def test_templates_print_every_amount_through_money() -> None:
    problems = []
    printed_amounts = 0
    for name, source in _template_texts().items():
        if "¥" in source:
            problems.append(f"{name}: a literal ¥ (money() adds the unit)")
        for _, expression in _in_text(source):
            if "money(" in expression or "money_exact(" in expression:
                printed_amounts += 1
            if re.search(r"\byuan\(", expression):
                problems.append(f"{name}: yuan() printed as text: {{{{{expression}}}}}")
            elif re.search(r"_fen\b|\bfen\(", COMPARED.sub("", expression)) and (
                "money" not in expression
            ):
                problems.append(f"{name}: an amount printed without money(): {{{{{expression}}}}}")
    assert printed_amounts > 50, "the scan finds the templates' amounts"
    assert problems == []


def test_the_template_scan_catches_raw_fen_and_bare_yuan() -> None:
    """The scan above, shown a template that prints an amount the old ways."""
    raw = '<td class="num">{{ row.total_fen }}</td>'
    bare = "<td>{{ yuan(row.total_fen) }}</td>"
    condition = "<td>{{ '—' if row.total_fen is none else t('x') }}</td>"
    assert COMPARED.sub("", condition).count("_fen") == 0
    field = '<input name="price" value="{{ yuan(item.price_fen) }}">'
    assert [e for _, e in _in_text(raw)] == [" row.total_fen "]
    assert [e for _, e in _in_text(bare)] == [" yuan(row.total_fen) "]
    assert _in_text(field) == [], "a form field's value is not page text"


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes (form values), scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template", "textarea"):
            self._hidden += 1
        if tag == "a":
            self.links.extend(v for k, v in attrs if k == "href" and v)
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template", "textarea"):
            self._hidden = max(0, self._hidden - 1)
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def page_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts), parser.links


def money_problems(text: str, raw_fen: set[int]) -> list[str]:
    """Amounts of ``text`` not in the display format, and amounts printed as raw fen."""
    problems = []
    for match in AMOUNT_LIKE.finditer(text):
        token = match.group().rstrip(",.")
        if SHOWN.fullmatch(token):
            continue
        before, after = text[max(0, match.start() - 12) : match.start()], text[match.end() :]
        if not token.lstrip("-").startswith("¥") and (
            NOT_MONEY_AFTER.match(after) or NOT_MONEY_BEFORE.search(before)
        ):
            continue
        problems.append(f"{token!r} in …{text[max(0, match.start() - 30) : match.end() + 10]!r}")
    for fen in raw_fen:
        for found in re.finditer(rf"(?<![\w.,¥-]){fen}(?![\w.,])", text):
            context = text[max(0, found.start() - 30) : found.end() + 10]
            problems.append(f"raw fen {fen} in …{context!r}")
    return problems


def test_the_page_scan_catches_each_wrong_form() -> None:
    raw = {366881}
    assert money_problems("合计 ¥3,668.81 · 余额 -¥12.50 · 上调 5.00 % · × 1.05", raw) == []
    for wrong in ("合计 3668.81", "合计 ¥3668.81", "合计 ¥3,668.8", "合计 ¥-12.50", "合计 366881"):
        assert money_problems(wrong, raw), wrong


def _pattern(href: str) -> tuple[str, tuple[str, ...]]:
    """Pages of one kind (a product, an order) are visited once: ids are folded."""
    parts = urlsplit(href)
    path = re.sub(r"/[0-9]+(?=/|$)", "/{id}", parts.path)
    path = re.sub(r"/(?:PO|HV)[^/]*", "/{no}", path)
    keys = tuple(sorted({k for k, _ in parse_qsl(parts.query) if k not in ("back", "page")}))
    return path, keys


def crawl(client: httpx.Client, start: list[str], limit: int = 120) -> dict[str, str]:
    """The text of each kind of page reachable from ``start`` by GET links on this site."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    queue, texts = deque(start), {}
    while queue and len(texts) < limit:
        href = queue.popleft()
        if not href.startswith("/") or href.startswith("//") or any(s in href for s in SKIPPED):
            continue
        if "lang=" in href or _pattern(href) in seen:
            continue
        seen.add(_pattern(href))
        response = client.get(href)
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        texts[href], links = page_text(response.text)
        queue.extend(link.split("#")[0] for link in links)
    return texts


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    async with shop.world.database.platform_transaction() as session:
        await catalog_repository.upsert_areas(session, AREAS)
    return await place_orders(shop, settings)


def test_every_page_shows_amounts_in_one_format(orders: Orders, hcm: str) -> None:
    shop = orders.shop
    raw_fen = {
        fen
        for fen in (
            *shop.prices.values(),
            orders.first.total_fen,
            orders.second.total_fen,
            orders.first.items_fen,
            100_000_00 - orders.first.total_fen - orders.second.total_fen,
        )
        if fen >= 1000  # below that a raw fen could be a count or an id
    }
    crawled: dict[str, dict[str, str]] = {}
    for username, extra in (
        ("admin", [f"/admin/billing/{shop.tenant}",
                   f"/admin/pricing/explain?product_id={shop.phone}&tenant_id={shop.tenant}"]),
        ("finance1", []),
        ("acme-admin", ["/workbench/cart", "/workbench/checkout",
                        f"/workbench/products/{shop.phone}"]),
    ):  # fmt: skip
        with client_as(hcm, username) as client:
            if username == "acme-admin":
                assert _add(client, shop.phone, 2).status_code in (200, 303)
            crawled[username] = crawl(client, ["/", *extra])
    problems = [
        f"{username} {path}: {problem}"
        for username, pages in crawled.items()
        for path, text in pages.items()
        for problem in money_problems(text, raw_fen)
    ]
    assert problems == [], "\n".join(problems)
    shown = {
        username: sum(len(SHOWN.findall(text)) for text in pages.values())
        for username, pages in crawled.items()
    }
    assert all(count > 10 for count in shown.values()), shown
    workbench = crawled["acme-admin"]
    assert {"/workbench/cart", "/workbench/checkout"} <= set(workbench)
    assert any(p.startswith("/workbench/orders/") for p in workbench), sorted(workbench)
    assert any(p.startswith("/admin/orders/") for p in crawled["admin"]), sorted(crawled["admin"])
