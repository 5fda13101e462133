"""A caller cancelled in the instant the supplier answers ends cancelled and goes no further.

Python 3.11's ``asyncio.wait_for`` returned the answer instead in that instant (the cancellation
was swallowed), so the supplier-facing waits use ``asyncio.timeout``; ruff's banned-api rule
(TID251 in pyproject.toml) keeps ``wait_for`` out of ``src``. Each test makes the answer and the
cancellation land in the same turn of the event loop, which is exactly the swallowed case.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hive.catalog.selection.upstream import UpstreamSearch
from hive.platform.db import Database
from hive.suppliers.health import check_access
from hive.suppliers.types import PriceQuote, SearchHit, SearchQuery, SearchResult


class _AnswersWhenReleased:
    """A supplier that answers sign-in and search the moment the test releases it."""

    supplier_id = 1

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def sign_in(self) -> None:
        await self.release.wait()

    async def search(self, query: SearchQuery) -> SearchResult:
        await self.release.wait()
        hit = SearchHit(sku="100", name="手机", brand="华为", category_id=1, image_url="")
        return SearchResult(total=1, page=1, page_size=20, hits=(hit,))

    async def prices(self, skus: list[str]) -> list[PriceQuote]:
        return []


async def _cancelled_as_answered(
    supplier: _AnswersWhenReleased, call: Callable[[], Awaitable[Any]]
) -> list[Any]:
    went_on: list[Any] = []

    async def caller() -> None:
        went_on.append(await call())

    task = asyncio.create_task(caller())
    for _ in range(5):
        await asyncio.sleep(0)  # the caller waits for the supplier
    supplier.release.set()  # the answer arrives ...
    task.cancel()  # ... as the caller gives up
    with pytest.raises(asyncio.CancelledError):
        await task
    return went_on


async def test_an_access_check_cancelled_as_the_supplier_answers_ends_cancelled() -> None:
    supplier = _AnswersWhenReleased()
    went_on = await _cancelled_as_answered(
        supplier,
        lambda: check_access(supplier, timeout_s=30),  # type: ignore[arg-type]
    )
    assert went_on == []


async def test_an_upstream_search_cancelled_as_the_supplier_answers_ends_cancelled(
    database: Database,
) -> None:
    supplier = _AnswersWhenReleased()
    upstream = UpstreamSearch(database, timeout_s=30, cache_ttl_s=60)
    went_on = await _cancelled_as_answered(
        supplier,
        lambda: upstream.search(supplier, SearchQuery(keyword="手机")),  # type: ignore[arg-type]
    )
    assert went_on == []
