"""Segmentation of product text and keywords for the ``simple`` tsvector."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from hive.catalog.search.segmentation import MAX_QUERY_TERMS, query_terms, search_document


def test_document_holds_search_mode_words_lower_cased_once_each() -> None:
    document = search_document(
        "Apple iPhone 15 手机壳 透明硅胶保护套（iPhone）", "Apple", ["手机配件", "手机壳"]
    )
    words = document.split(" ")
    assert len(words) == len(set(words))
    assert {"apple", "iphone", "15", "保护套", "保护", "护套", "手机", "配件"} <= set(words)
    assert all(w == w.lower() and w.strip() for w in words)
    assert "（" not in document and "(" not in document


def test_document_drops_punctuation_and_symbols() -> None:
    document = search_document("美的（Midea）变频空调 1.5匹 KFR-35GW/BP3", "", [])
    assert document.split(" ") == [
        "美的", "midea", "变频", "空调", "变频空调", "15", "匹", "kfr", "35gw", "bp3",
    ]  # fmt: skip


def test_query_terms_use_precise_mode_and_fold_full_width() -> None:
    assert query_terms("华为 智能手机") == ["华为", "智能手机"]
    assert query_terms("ＡＰＰＬＥ　１５") == ["apple", "15"]
    assert query_terms("  ！？ ") == []
    assert query_terms("a&b|!c:*") == ["a", "b", "c"]


def test_query_terms_are_bounded() -> None:
    keyword = " ".join(f"w{n}" for n in range(20))
    assert len(query_terms(keyword)) == MAX_QUERY_TERMS


def test_concurrent_first_use_gives_the_same_words() -> None:
    with ThreadPoolExecutor(max_workers=8) as executor:
        documents = list(executor.map(lambda _: search_document("无线蓝牙耳机", "", []), range(16)))
    assert set(documents) == {"无线 蓝牙 耳机"}


def test_initialising_jieba_is_quiet() -> None:
    code = (
        "import logging; logging.basicConfig(level=logging.DEBUG);"
        "from hive.catalog.search.segmentation import search_document;"
        "print(search_document('蓝牙耳机', '', []))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "蓝牙 耳机"
    assert done.stderr == ""
