"""The pool page's query string → a validated :class:`PoolQuery`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import reference
from hive.catalog.search.service import InvalidPoolQuery, PoolQuery, ProductStatus, SortOrder
from hive.console import pickers
from hive.console.tables import Table
from hive.platform.money import InvalidAmount, parse_yuan
from hive.platform.validation import (
    InvalidInput,
    Problem,
    parse_id,
    refuse_control_characters,
    unknown_parameters,
)

MAX_FIELD = 64
# Every parameter the pool pages understand; another one is refused, not ignored.
KNOWN_PARAMETERS = (
    "keyword",
    "category_id",
    "brand",
    "min_yuan",
    "max_yuan",
    "province",
    "status",
    "sort",
    "page",
    "lang",
)
E = TypeVar("E", SortOrder, ProductStatus)


def _int(params: Mapping[str, str], name: str) -> int | None:
    try:
        return parse_id(params.get(name), name)
    except InvalidInput as refused:
        raise InvalidPoolQuery(refused.problems) from None


def _yuan(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_yuan(raw[:MAX_FIELD])
    except InvalidAmount:
        raise InvalidPoolQuery([Problem(name, "invalid_amount")]) from None


def _choice(params: Mapping[str, str], name: str, kind: type[E]) -> E | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidPoolQuery([Problem(name, "not_a_choice", {"choices": choices})]) from None


def pool_query(params: Mapping[str, str], *, page_size: int = 20) -> PoolQuery:
    try:
        refuse_control_characters(params.items())
    except InvalidInput as refused:
        raise InvalidPoolQuery(refused.problems) from None
    unknown = unknown_parameters(params, KNOWN_PARAMETERS)
    if unknown:
        raise InvalidPoolQuery(unknown)
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


def pool_table(path: str, params: Mapping[str, str], query: PoolQuery, total: int, *,
               capped: bool) -> Table:  # fmt: skip
    """The pager of a pool page: ``total`` matches (``capped``: counted no further), the page
    asked for brought back to the last one when it is past it."""
    table = Table(path=path, params=dict(params), page=query.page, page_size=query.page_size)
    return table.with_total(total, capped=capped)


async def picker_choices(session: AsyncSession) -> dict[str, Any]:
    """The category tree and the provinces the pool pages' pickers offer."""
    return {
        "category_roots": pickers.tree(await reference.category_choices(session)),
        "provinces": await reference.province_choices(session),
    }
