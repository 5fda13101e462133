"""The pool page's query string → a validated :class:`PoolQuery`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from hive.catalog.search.service import InvalidPoolQuery, PoolQuery, ProductStatus, SortOrder
from hive.platform.money import InvalidAmount, parse_yuan

MAX_FIELD = 64
E = TypeVar("E", SortOrder, ProductStatus)


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        raise InvalidPoolQuery(
            details={"problems": [f"{name} must be a whole number of at least 1"]}
        )
    return int(raw)


def _yuan(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_yuan(raw[:MAX_FIELD])
    except InvalidAmount as exc:
        raise InvalidPoolQuery(details={"problems": [f"{name}: {exc.message}"]}) from None


def _choice(params: Mapping[str, str], name: str, kind: type[E]) -> E | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise InvalidPoolQuery(
            details={"problems": [f"unknown {name}: {raw[:MAX_FIELD]}"]}
        ) from None


def pool_query(params: Mapping[str, str], *, page_size: int = 20) -> PoolQuery:
    if any("\x00" in value for value in params.values()):
        # PostgreSQL text cannot hold NUL: refused here rather than by the database.
        raise InvalidPoolQuery(details={"problems": ["the search must not contain NUL characters"]})
    status = _choice(params, "status", ProductStatus)
    return PoolQuery(
        keyword=params.get("keyword", "")[: MAX_FIELD + 1],
        category_id=_int(params, "category_id"),
        brand=params.get("brand", "")[: MAX_FIELD + 1] or None,
        min_price_fen=_yuan(params, "min_yuan"),
        max_price_fen=_yuan(params, "max_yuan"),
        in_stock_province_id=_int(params, "province"),
        statuses=(status,) if status else (ProductStatus.ACTIVE, ProductStatus.PAUSED),
        sort=_choice(params, "sort", SortOrder) or SortOrder.RELEVANCE,
        page=_int(params, "page") or 1,
        page_size=page_size,
    )
