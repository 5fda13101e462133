"""Pool queries are validated on construction; bad ones fail with a stable code."""

from __future__ import annotations

from typing import Any

import pytest

from hive.catalog.search.service import InvalidPoolQuery, PoolQuery, ProductStatus, SortOrder
from hive.platform.errors import ValidationFailed


@pytest.mark.parametrize(
    "fields",
    [
        {"page": 0},
        {"page": -1},
        {"page": True},
        {"page_size": 0},
        {"page_size": 101},
        {"page": 251, "page_size": 20},
        {"keyword": "长" * 65},
        {"keyword": 42},
        {"min_price_fen": -1},
        {"max_price_fen": -5},
        {"min_price_fen": 200, "max_price_fen": 100},
        {"min_price_fen": 1.5},
        {"category_id": 0},
        {"category_id": "3"},
        {"in_stock_province_id": -2},
        {"brand": "b" * 129},
        {"keyword": "手\x00机"},
        {"brand": "华\x00为"},
        {"statuses": ()},
        {"statuses": ("active",)},
        {"on_shelf": "yes"},
        {"sort": "sales"},
    ],
)
def test_bad_queries_are_refused_with_a_stable_code(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidPoolQuery) as caught:
        PoolQuery(**fields)
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code == "invalid_pool_query"
    assert caught.value.http_status == 422
    assert caught.value.details["problems"]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidPoolQuery) as caught:
        PoolQuery(page=0, min_price_fen=-1, category_id=0)
    assert len(caught.value.details["problems"]) == 3


def test_good_queries_are_normalised() -> None:
    query = PoolQuery(
        keyword="  华为 手机 ",
        brand="  ",
        statuses=(ProductStatus.ACTIVE, ProductStatus.ACTIVE),
        min_price_fen=0,
        max_price_fen=0,
        sort=SortOrder.PRICE_DESC,
        page=250,
        page_size=20,
    )
    assert (query.keyword, query.brand, query.statuses) == ("华为 手机", None, ("active",))
    assert query.offset == 249 * 20
    assert PoolQuery().statuses == (ProductStatus.ACTIVE, ProductStatus.PAUSED)
