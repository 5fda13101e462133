"""Accept-Language negotiation (q-values, wildcards, ranges, junk) and cutting a bilingual
message to one language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hive.platform.language import localize, negotiate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("EN-us", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh;q=0.5, en;q=0.6", "en"),
        ("zh;q=0.6, en;q=0.5", "zh"),
        ("en;q=0.5, zh;q=0.5", "en"),  # a tie: the one listed first
        ("zh;q=0.5, en;q=0.5", "zh"),
        ("fr, en;q=0.1", "en"),  # French is not offered; English is acceptable
        ("fr, de", "zh"),  # nothing acceptable: the default
        ("*", "zh"),
        ("zh;q=0, *", "en"),  # anything but Chinese
        ("*;q=0.1, en", "en"),
        ("en;q=0", "zh"),
        ("en;q=0, zh;q=0", "zh"),  # nothing acceptable: the default all the same
        ("en;q=0.000", "zh"),
        ("en;q=1.000", "en"),
        ("en;q=1.5", "zh"),  # malformed weights drop their entry
        ("en;q=0.0001", "zh"),
        ("en;q=abc", "zh"),
        ("en;Q=0.7", "en"),
        ("en-GB;q=0.9, zh-Hans-CN;q=0.8", "en"),
        ("zh-TW;q=0.2, en;q=0.3, zh;q=0.9", "zh"),  # the best weight of a language counts
        ("en_US", "zh"),  # not a language range
        (" en ; q=0.8 ", "en"),
        ("english", "zh"),
        ("x" * 5000 + ",en", "zh"),  # cut at 1024 characters
    ],
)
def test_the_preferred_supported_language_wins(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


@given(st.text(max_size=200))
def test_any_header_gives_a_supported_language(header: str) -> None:
    assert negotiate(header) in ("zh", "en")


@given(st.floats(0.001, 1), st.floats(0.001, 1))
def test_the_heavier_weight_wins(zh: float, en: float) -> None:
    header = f"zh;q={zh:.3f}, en;q={en:.3f}"
    chosen = negotiate(header)
    assert chosen == ("en" if round(en, 3) > round(zh, 3) else "zh")


@pytest.mark.parametrize(
    ("message", "zh", "en"),
    [
        ("资源不存在 / Not found", "资源不存在", "Not found"),
        (
            "特价低于最低价（进价加最低毛利）/ Special price below the floor",
            "特价低于最低价（进价加最低毛利）",
            "Special price below the floor",
        ),
        (
            "Idempotency-Key 须为 1–128 个可见 ASCII 字符 / Idempotency-Key must be 1-128 chars",
            "Idempotency-Key 须为 1–128 个可见 ASCII 字符",
            "Idempotency-Key must be 1-128 chars",
        ),
        ("状态 / 类型 / Status / kind", "状态 / 类型", "Status / kind"),
        ("Only English", "Only English", "Only English"),
        ("只有中文", "只有中文", "只有中文"),
    ],
)
def test_a_bilingual_message_is_cut_to_one_language(message: str, zh: str, en: str) -> None:
    assert (localize(message, "zh"), localize(message, "en")) == (zh, en)
