"""A rule-change preview over a large pool runs as a job with progress, chunk by chunk: its
counts, distribution and examples are exactly those of the preview in one statement; nothing is
written; the console shows its progress, then the result."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.catalog.pricing import preview_job, rules
from hive.catalog.pricing import service as pricing
from hive.catalog.pricing.errors import InvalidPricing
from hive.platform import progress
from hive.platform.config import Settings
from hive.platform.permissions import Role
from tests.catalog.pricing.conftest import Shop
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import ADMIN, make_user
from tests.support.servers import running_server

FORM = {"scope": "category", "category_id": "2", "base": "cost_plus", "percent": "20"}
FORM |= {"rounding": "nine", "allow_above_retail": "on"}
BANDS = [("0", "50", "5")]


async def _pool(shop: Shop) -> list[int]:
    """Eleven priced products of varied costs under category 2 (and one outside it)."""
    await shop.grade("普通", "1.00")
    await shop.grade("金牌", "0.95")
    products = [await shop.product(1000 + 731 * i, 90_000, category_id=3) for i in range(11)]
    products.append(await shop.product(1000, 90_000, category_id=6))
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, products)
    return products


async def test_the_job_finds_exactly_what_one_statement_finds(shop: Shop) -> None:
    await _pool(shop)
    async with shop.database.platform_transaction() as session:
        inline = await preview_job.start_preview(
            session, ADMIN, FORM, BANDS, rule_id=None, inline_max=1_000
        )
        started = await preview_job.start_preview(
            session, ADMIN, FORM, BANDS, rule_id=None, inline_max=10
        )
    assert isinstance(inline, rules.Preview) and isinstance(started, int)
    assert inline.products_considered == 11 and inline.products_moved == 11
    await preview_job.run_preview(shop.database, started, chunk=3)
    async with shop.database.platform_transaction() as session:
        row = await progress.get_progress(session, started)
    assert (row.status, row.done, row.planned) == (progress.FINISHED, 11, 11)
    assert preview_job.preview_of(row) == inline
    assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(1,)]  # nothing written


async def test_a_preview_run_again_after_its_worker_died_goes_on_after_the_last_chunk(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _pool(shop)
    async with shop.database.platform_transaction() as session:
        inline = await preview_job.start_preview(
            session, ADMIN, FORM, BANDS, rule_id=None, inline_max=1_000
        )
        started = await preview_job.start_preview(
            session, ADMIN, FORM, BANDS, rule_id=None, inline_max=10
        )
    real, ranges = rules.preview_rule, []

    async def dies_on_the_third_chunk(*args: Any, **kwargs: Any) -> rules.Preview:
        ranges.append(kwargs["id_range"])
        if len(ranges) == 3:
            raise asyncio.CancelledError  # the process stops: nothing of the job runs on
        return await real(*args, **kwargs)

    monkeypatch.setattr(rules, "preview_rule", dies_on_the_third_chunk)
    with pytest.raises(asyncio.CancelledError):
        await preview_job.run_preview(shop.database, started, chunk=3)
    await preview_job.run_preview(shop.database, started, chunk=3)  # the job run again
    # 12 products, 3 a chunk: the second attempt reads the chunk that died and the last one
    assert len(ranges) == 5 and ranges[3] == ranges[2]
    async with shop.database.platform_transaction() as session:
        row = await progress.get_progress(session, started)
    assert (row.status, row.done, row.planned) == (progress.FINISHED, 11, 11)
    assert preview_job.preview_of(row) == inline  # every chunk counted once


async def test_a_cancelled_preview_stops_between_chunks(shop: Shop) -> None:
    await _pool(shop)
    async with shop.database.platform_transaction() as session:
        started = await preview_job.start_preview(
            session, ADMIN, FORM, BANDS, rule_id=None, inline_max=0
        )
        assert isinstance(started, int)
        await progress.request_cancel(session, started)
    await preview_job.run_preview(shop.database, started, chunk=3)
    async with shop.database.platform_transaction() as session:
        row = await progress.get_progress(session, started)
    assert row.status == progress.CANCELLED and row.done == 0


async def test_a_refused_form_is_refused_before_any_job(shop: Shop) -> None:
    async with shop.database.platform_transaction() as session:
        with pytest.raises(InvalidPricing):
            await preview_job.start_preview(
                session, ADMIN, {**FORM, "percent": "abc"}, BANDS, rule_id=None, inline_max=0
            )
    assert await shop.sql("SELECT count(*) FROM job_progress") == [(0,)]


@pytest.fixture
def hcm(settings: Settings, shop: Shop) -> Iterator[str]:
    small = settings.model_copy(update={"pricing_preview_inline_max": 5})
    with running_server(create_hcm_app(small, small.database_url)) as url:
        yield url


async def test_the_console_shows_the_progress_then_the_result(hcm: str, shop: Shop) -> None:
    await _pool(shop)
    await make_user(shop.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    with httpx.Client(base_url=hcm, timeout=30, follow_redirects=False) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/pricing/rules/new")
        form = {**FORM, "band_min": "0", "band_max": "50", "band_adjust": "5"}
        asked = client.post(
            "/admin/pricing/rules", data={**form, "csrf_token": token, "intent": "preview"}
        )
        assert asked.status_code == 303
        page = asked.headers["location"]
        assert re.fullmatch(r"/admin/pricing/previews/\d+", page)
        queued = client.get(page)
        assert queued.status_code == 200 and 'data-state="queued"' in queued.text
        assert 'id="preview-result"' not in queued.text
        await preview_job.run_preview(shop.database, int(page.rsplit("/", 1)[1]), chunk=4)
        done = client.get(page + "?fragment=1")
        assert 'data-state="finished"' in done.text
        assert re.search(r'id="products-moved">11<', done.text)
        assert 'id="examples"' in done.text
    assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(1,)]
