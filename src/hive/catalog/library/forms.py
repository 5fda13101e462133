"""The library pages' forms → validated values (stable problem codes)."""

from __future__ import annotations

from collections.abc import Sequence

from hive.catalog.library.errors import InvalidLibraryInput
from hive.catalog.library.models import ItemStatus
from hive.platform.money import InvalidAmount, parse_yuan
from hive.platform.validation import InvalidInput, Problem, parse_id

MAX_FIELD = 32


def product_ids(raw: Sequence[str]) -> list[int]:
    """The ``product_id`` fields of a form (one, or a whole page of them)."""
    if len(raw) > 100:
        raise InvalidLibraryInput([Problem("product_ids", "too_large", {"max": 100})])
    ids = []
    for value in raw:
        try:
            parsed = parse_id(value[: MAX_FIELD + 1], "product_id")
        except InvalidInput as refused:
            raise InvalidLibraryInput(refused.problems) from None
        if parsed is not None:
            ids.append(parsed)
    if not ids:
        raise InvalidLibraryInput([Problem("product_id", "required")])
    return ids


def category_id(raw: str) -> int:
    try:
        parsed = parse_id(raw[: MAX_FIELD + 1], "category_id")
    except InvalidInput as refused:
        raise InvalidLibraryInput(refused.problems) from None
    if parsed is None:
        raise InvalidLibraryInput([Problem("category_id", "required")])
    return parsed


def retail_price_fen(raw: str) -> int:
    """A retail price typed in yuan (at most 2 decimals, not negative) as fen."""
    text = raw.strip()
    if not text:
        raise InvalidLibraryInput([Problem("retail_price", "required")])
    try:
        return parse_yuan(text[: MAX_FIELD + 1])
    except InvalidAmount:
        raise InvalidLibraryInput([Problem("retail_price", "invalid_amount")]) from None


def status_filter(raw: str) -> ItemStatus | None:
    if not raw:
        return None
    try:
        return ItemStatus(raw)
    except ValueError:
        choices = ", ".join(ItemStatus)
        raise InvalidLibraryInput(
            [Problem("status", "not_a_choice", {"choices": choices})]
        ) from None
