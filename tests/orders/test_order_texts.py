"""Every text of the order, cart and checkout pages exists in Chinese and in English, and every
status, event, timeline source and outcome has its words (no raw code shown to a user)."""

from __future__ import annotations

import re
from pathlib import Path

import hive.orders.cart_routes
import hive.orders.routes
import hive.orders.workbench_routes
from hive.console.i18n import MESSAGES
from hive.orders.cart_texts import CART_TEXTS
from hive.orders.models import ORDER_EVENTS
from hive.orders.status import SOURCES, OrderStatus, Outcome, SubOrderStatus
from hive.orders.texts import ORDER_TEXTS

TEMPLATES = Path(hive.orders.routes.__file__).parents[1] / "console" / "templates"
PAGES = [
    "orders_search.html",
    "order_detail.html",
    "workbench_orders.html",
    "workbench_cart.html",
    "workbench_checkout.html",
    "_area_pickers.html",
]
LITERAL_KEY = re.compile(r"(?<![\w.])t\('([a-z_.]+)'\)")
# An event that moved the sub-order needs no remark after it on the timeline.
EMPTY_ON_PURPOSE = {"orders.outcome.moved"}


def test_chinese_and_english_have_the_same_texts() -> None:
    for texts in (ORDER_TEXTS, CART_TEXTS):
        assert set(texts["zh"]) == set(texts["en"])
        for language in ("zh", "en"):
            empty = {key for key, text in texts[language].items() if not text}
            assert empty <= EMPTY_ON_PURPOSE, language


def test_every_status_event_source_and_outcome_has_words() -> None:
    wanted = (
        [f"orders.status.{s.value}" for s in OrderStatus]
        + [f"orders.sub_status.{s.value}" for s in SubOrderStatus]
        + [f"orders.event.{e}" for e in ORDER_EVENTS]
        + [f"orders.source.{s}" for s in SOURCES]
        + [f"orders.outcome.{o.value}" for o in Outcome]
    )
    for language in ("zh", "en"):
        assert [key for key in wanted if key not in MESSAGES[language]] == [], language


def test_every_text_the_pages_name_is_in_the_catalogue() -> None:
    keys = {key for page in PAGES for key in LITERAL_KEY.findall((TEMPLATES / page).read_text())}
    assert len(keys) > 50
    for language in ("zh", "en"):
        assert sorted(key for key in keys if key not in MESSAGES[language]) == [], language
