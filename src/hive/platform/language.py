"""The caller's language: ``Accept-Language`` negotiated properly, and bilingual messages cut to
one language.

Error messages are written once as ``中文 / English`` (``HiveError.default_message``); an answer
carries the half its caller asked for: Chinese by default, English when ``Accept-Language``
prefers it. Codes never change with the language.

Negotiation follows RFC 9110 §12.5.4 with the "lookup" matching of RFC 4647: each entry is a
language range with an optional weight ``q`` (0 to 1, at most three decimals; 1 when absent);
a range matches a language when its primary subtag is that language (``en-GB`` → ``en``,
``zh-Hans-CN`` → ``zh``); ``*`` matches any language not named otherwise; ``q=0`` means "not
this one". The supported language with the highest weight wins, ties go to the one listed
first (and to the default over a bare ``*``); malformed entries are skipped; with nothing
acceptable, the default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SUPPORTED = ("zh", "en")
DEFAULT = "zh"

_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*", re.ASCII)
_WEIGHT = re.compile(r"[qQ]=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)", re.ASCII)
_MAX_HEADER = 1024  # longer headers are cut (browsers send well under 200 characters)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _entries(header: str) -> list[tuple[str, float]]:
    """``(primary subtag or "*", weight)`` of each well-formed entry, in order."""
    entries = []
    for part in header[:_MAX_HEADER].split(","):
        tag, *params = [piece.strip() for piece in part.split(";")]
        if not _RANGE.fullmatch(tag):
            continue
        weight = 1.0
        if params:
            found = _WEIGHT.fullmatch(params[0]) if len(params) == 1 else None
            if found is None:
                continue
            weight = float(found[1])
        entries.append((tag.split("-")[0].lower(), weight))
    return entries


def negotiate(
    header: str | None, supported: Sequence[str] = SUPPORTED, default: str = DEFAULT
) -> str:
    """The supported language ``Accept-Language: header`` prefers, else ``default``."""
    entries = _entries(header or "")
    wildcard = next(((i, q) for i, (tag, q) in enumerate(entries) if tag == "*"), None)
    best: tuple[float, int, int, str] | None = None
    for language in supported:
        named = [(i, q) for i, (tag, q) in enumerate(entries) if tag == language]
        if named:
            position, weight = min(named, key=lambda entry: (-entry[1], entry[0]))
        elif wildcard is not None:
            position, weight = wildcard
        else:
            continue
        if weight <= 0:
            continue
        rank = (weight, -position, language == default, language)
        if best is None or rank[:3] > best[:3]:
            best = (weight, -position, language == default, language)
    return best[3] if best is not None else default


def localize(message: str, language: str) -> str:
    """One language of a ``中文 / English`` message: the part after the first ``/`` that is
    followed by no Chinese when ``language`` is ``en``, the part before it otherwise. A message
    in one language only is given as it is."""
    for found in re.finditer(r"\s*/\s*", message):
        before, after = message[: found.start()], message[found.end() :]
        if _CJK.search(before) and after and not _CJK.search(after):
            return after if language == "en" else before
    return message
