"""Every form field is labelled in words, in Chinese and in English: no label is the field's own
name or another raw identifier (the new-supplier form labelled its VOP fields "client_id" and
"client_secret" in both languages). A walk over every page each role's menu links to and one
page of each kind those link to (the shop of tests/console/test_times_in_shanghai.py)."""

from __future__ import annotations

import re

from tests.console.test_times_in_shanghai import (
    LOGINS,
    client_as,
    hcm,
    shop,
    shown,
    suppliers,
    walk,
    world,
)

__all__ = ["hcm", "shop", "shown", "suppliers", "world"]
# A label's own text, then the field it labels.
LABELLED = re.compile(r'<label\b[^>]*>([^<]*)<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
RAW = re.compile(r"[a-z0-9]+(?:[_.][a-z0-9]+)+")


def raw_labels(html: str) -> list[tuple[str, str]]:
    """(label, field name) of each field whose label is its name or an identifier."""
    found = []
    for text, name in LABELLED.findall(html):
        words = re.sub(r"\s*\*\s*$", "", text.strip())
        if words == name or RAW.fullmatch(words):
            found.append((words, name))
    return found


def test_every_field_of_every_page_is_labelled_in_words_in_both_languages(
    shown: str, hcm: str
) -> None:
    seen = 0
    for username in LOGINS:
        for language in ("zh", "en"):
            with client_as(hcm, username) as client:
                client.get("/language", params={"to": language, "next": "/"})
                for kind, html in walk(client, {}):
                    seen += len(LABELLED.findall(html))
                    assert raw_labels(html) == [], (username, language, kind)
    assert seen > 100  # the pattern finds the forms' labels
