"""Chinese word segmentation for pool search (jieba into PostgreSQL's ``simple`` tsvector).

PostgreSQL has no Chinese parser here, so Python segments the text: a product's *search
document* is the space-joined, lower-cased, de-duplicated words of jieba's search mode (every
word plus the shorter dictionary words inside it), which the pool stores with
``to_tsvector('simple', :document)``. A query is cut in jieba's precise mode; because search
mode yields a superset of precise mode for the same text, a query that repeats a product's
wording finds it, and one that names only a part (``手机`` in ``智能手机``) finds it too.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

# Longest query word kept: longer runs (pasted codes, URLs) only bloat the tsquery.
MAX_TERM_CHARS = 32
# Most query words kept: each one is an AND in the tsquery.
MAX_QUERY_TERMS = 8

_lock = threading.Lock()
_tokenizer: Any = None


def _jieba() -> Any:
    """jieba's default tokenizer, initialised once (quietly) by whichever thread needs it first."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba  # type: ignore[import-untyped]

            # jieba logs "Building prefix dict…" at DEBUG on its own logger; keep startup quiet.
            jieba.setLogLevel(logging.WARNING)
            jieba.dt.initialize()
            _tokenizer = jieba.dt
    return _tokenizer


def search_document(name: str, brand: str, category_names: Sequence[str]) -> str:
    """The words of a pool product that ``products.search_vector`` is built from."""
    tokenizer = _jieba()
    words: list[str] = []
    for text in (name, brand, *category_names):
        if text:
            words.extend(tokenizer.cut_for_search(_normalise(text)))
    return " ".join(_clean(words, limit=None))


def query_terms(keyword: str) -> list[str]:
    """The words of a search keyword, in order, for an AND tsquery (empty when none)."""
    text = _normalise(keyword)
    if not text.strip():
        return []
    return _clean(_jieba().cut(text), limit=MAX_QUERY_TERMS)


def _normalise(text: str) -> str:
    # NFKC folds full-width letters, digits and punctuation (Ａ１（) into their ASCII forms.
    return unicodedata.normalize("NFKC", text).lower()


def _clean(words: Iterable[str], *, limit: int | None) -> list[str]:
    seen: dict[str, None] = {}
    for word in words:
        term = "".join(ch for ch in word if _is_word_char(ch))
        if term and len(term) <= MAX_TERM_CHARS:
            seen.setdefault(term, None)
            if limit is not None and len(seen) >= limit:
                break
    return list(seen)


def _is_word_char(ch: str) -> bool:
    # Letters, digits and CJK ideographs stay; whitespace, punctuation and symbols go,
    # so no tsquery operator (& | ! : * ' ( )) can reach PostgreSQL through a word.
    category = unicodedata.category(ch)
    return category[0] in "LN"
