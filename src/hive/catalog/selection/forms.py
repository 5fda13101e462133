"""Parsing the catalog pages' query strings and forms into validated requests."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hive.platform.money import InvalidAmount, parse_yuan
from hive.platform.validation import Id, InvalidInput, Problem, problems_of
from hive.suppliers.types import SearchQuery, SearchSort


class InvalidSearchForm(InvalidInput):
    """An upstream search form refused; ``problems`` name each field."""

    code = "invalid_search"
    default_message = "搜索条件不合法 / Invalid search"


class UpstreamSearchForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    supplier_id: Id
    keyword: str = Field(default="", max_length=64)
    category_id: Id | None = None
    brand: str = Field(default="", max_length=64)
    min_yuan: str = Field(default="", max_length=16)
    max_yuan: str = Field(default="", max_length=16)
    sort: SearchSort = SearchSort.RELEVANCE
    page: int = Field(default=1, ge=1, le=100)


def read_search_form(params: Mapping[str, str]) -> UpstreamSearchForm:
    cleaned = {k: v for k, v in params.items() if v != ""}
    try:
        return UpstreamSearchForm.model_validate(cleaned)
    except ValidationError as exc:
        raise InvalidSearchForm(problems_of(exc)) from None


def _yuan(raw: str, name: str) -> int | None:
    try:
        return parse_yuan(raw) if raw else None
    except InvalidAmount:
        raise InvalidSearchForm([Problem(name, "invalid_amount")]) from None


def search_query(form: UpstreamSearchForm, *, page_size: int = 20) -> SearchQuery:
    """The supplier query for a form; prices in yuan become fen (refusing malformed amounts)."""
    low, high = _yuan(form.min_yuan, "min_yuan"), _yuan(form.max_yuan, "max_yuan")
    if low is not None and high is not None and low > high:
        raise InvalidSearchForm([Problem("max_yuan", "below_minimum")])
    if not form.keyword and form.category_id is None:
        raise InvalidSearchForm([Problem("keyword", "keyword_or_category")])
    return SearchQuery(
        keyword=form.keyword,
        category_id=form.category_id,
        brands=(form.brand,) if form.brand else (),
        min_price_fen=low,
        max_price_fen=high,
        sort=form.sort,
        page=form.page,
        page_size=page_size,
    )
