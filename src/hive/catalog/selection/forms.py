"""Parsing the catalog pages' query strings and forms into validated requests."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hive.platform.errors import ValidationFailed
from hive.platform.money import InvalidAmount, parse_yuan
from hive.suppliers.types import SearchQuery, SearchSort


class InvalidSearchForm(ValidationFailed):
    code = "invalid_search"
    default_message = "搜索条件不合法 / Invalid search"


class UpstreamSearchForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    supplier_id: int = Field(gt=0)
    keyword: str = Field(default="", max_length=64)
    category_id: int | None = Field(default=None, gt=0)
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
        fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
        raise InvalidSearchForm(details={"fields": fields}) from None


def search_query(form: UpstreamSearchForm, *, page_size: int = 20) -> SearchQuery:
    """The supplier query for a form; prices in yuan become fen (refusing malformed amounts)."""
    try:
        low = parse_yuan(form.min_yuan) if form.min_yuan else None
        high = parse_yuan(form.max_yuan) if form.max_yuan else None
    except InvalidAmount as exc:
        raise InvalidSearchForm(exc.message, details={"fields": ["price"]}) from None
    if low is not None and high is not None and low > high:
        raise InvalidSearchForm(details={"fields": ["price"], "problem": "min above max"})
    if not form.keyword and form.category_id is None:
        raise InvalidSearchForm(
            "请输入关键词或分类 / Enter a keyword or a category", details={"fields": ["keyword"]}
        )
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
