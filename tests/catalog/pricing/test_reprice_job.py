""" "全部重新定价" from the console: asked first (naming the products and grades), run by the
worker as a procrastinate job that advances its progress row chunk by chunk, ending with a
summary (changed / unchanged) equal to what changed in ``product_prices``; finance may not."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.catalog.pricing import repository, rules
from hive.catalog.pricing import service as pricing
from hive.catalog.pricing.repository import RepriceCounts
from hive.catalog.pricing.tasks import run_full_reprice
from hive.platform import progress
from hive.platform.config import Settings
from hive.platform.jobs import JobRuntime, run_worker
from hive.platform.permissions import Role
from tests.catalog.pricing.conftest import Shop
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import ADMIN, make_user
from tests.support.progress_log import distinct_states, log_progress
from tests.support.servers import running_server

PRICES = (
    "SELECT product_id, grade_id, price_fen, floor_fen, rule_id, floor_hit, ceiling_hit, "
    "below_cost, no_fit FROM product_prices"
)


@pytest.fixture
def hcm(settings: Settings, shop: Shop) -> Iterator[str]:
    with running_server(create_hcm_app(settings, settings.database_url)) as url:
        yield url


async def _pool(shop: Shop) -> list[int]:
    """Five products under two grades: two never priced, one priced then bought dearer (its
    stored prices are stale), two priced and current."""
    await shop.grade("普通", "1.00")
    await shop.grade("金牌", "0.95")
    products = [await shop.product(1000 + 100 * i, 90_000) for i in range(5)]
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, products[2:])
    await shop.sql("UPDATE products SET purchase_price_fen = 5000 WHERE id = :p", p=products[2])
    return products


async def _prices(shop: Shop) -> dict[tuple[int, int], tuple[Any, ...]]:
    return {(row[0], row[1]): tuple(row) for row in await shop.sql(PRICES)}


def _counts(box: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'<span id="(\w+)">(\d+)</span>', box)}


async def test_reprice_is_asked_first_then_runs_as_a_job_with_progress_and_a_true_summary(
    hcm: str, shop: Shop, settings: Settings, job_runtime: JobRuntime
) -> None:
    products = await _pool(shop)
    await make_user(shop.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    before = await _prices(shop)
    with httpx.Client(base_url=hcm, timeout=30, follow_redirects=False) as client:
        sign_in(client, "operator1", "operator-pass-1")
        home = client.get("/admin/pricing").text
        asked = re.search(r'id="reprice-all" name="confirm" value="1" data-confirm="([^"]*)"', home)
        assert asked and "全部 5 个商品在 2 个客户等级下的价格" in asked[1]
        token = csrf_token_of(client, "/admin/pricing")
        unconfirmed = client.post("/admin/pricing/reprice", data={"csrf_token": token})
        assert unconfirmed.status_code == 200  # the confirmation, nothing started
        assert "全部 5 个商品在 2 个客户等级下的价格" in unconfirmed.text
        assert 'name="confirm" value="1"' in unconfirmed.text
        assert await shop.sql("SELECT count(*) FROM job_progress") == [(0,)]
        assert await shop.sql("SELECT count(*) FROM procrastinate_jobs") == [(0,)]
        started = client.post("/admin/pricing/reprice", data={"csrf_token": token, "confirm": "1"})
        assert started.status_code == 303
        page = started.headers["location"]
        assert re.fullmatch(r"/admin/jobs/\d+", page)
        queued = client.get(page).text
        assert 'data-state="queued"' in queued and 'hx-trigger="every 2s"' in queued
        assert await _prices(shop) == before  # nothing ran in the request
        log_progress(settings)
        small = replace(
            job_runtime,
            settings=job_runtime.settings.model_copy(update={"pricing_reprice_chunk": 2}),
        )
        await run_worker(small, wait=False, queues=["catalog"])
        box = client.get(page, params={"fragment": 1}).text
        listed = client.get("/admin/jobs", params={"kind": "pricing.reprice_all"}).text
        english = client.get(page, params={"lang": "en"}).text
    progress_id = int(page.rsplit("/", 1)[1])
    seen = await shop.sql("SELECT done, planned, status FROM progress_seen ORDER BY n")
    assert distinct_states(seen) == [
        (0, 5, "running"),
        (2, 5, "running"),  # chunks of two products
        (4, 5, "running"),
        (5, 5, "running"),
        (5, 5, "finished"),
    ]
    after = await _prices(shop)
    changed = {key[0] for key in after if after[key] != before.get(key)}
    assert changed == {products[0], products[1], products[2]}  # as the pool was made
    counts = _counts(box)
    assert counts == {"done": 5, "changed": len(changed), "kept": 5 - len(changed)}
    assert 'data-state="finished"' in box and "hx-get" not in box
    assert "有变化" in box and "无变化" in box and "Unchanged" in english
    assert f'<tr data-job="{progress_id}" data-state="finished">' in listed
    assert "全部重新定价" in listed
    assert await shop.sql(
        "SELECT status::text FROM procrastinate_jobs WHERE task_name LIKE '%reprice_all'"
    ) == [("succeeded",)]


async def test_finance_may_not_reprice_even_confirmed(hcm: str, shop: Shop) -> None:
    await _pool(shop)
    await make_user(shop.database, "finance1", "finance-pass-1", role=Role.FINANCE)
    with httpx.Client(base_url=hcm, timeout=30, follow_redirects=False) as client:
        sign_in(client, "finance1", "finance-pass-1")
        token = csrf_token_of(client, "/admin/pricing")
        for data in ({"csrf_token": token}, {"csrf_token": token, "confirm": "1"}):
            refused = client.post("/admin/pricing/reprice", data=data)
            assert refused.status_code == 403
            assert 'id="confirm-form"' not in refused.text
    assert await shop.sql("SELECT count(*) FROM job_progress") == [(0,)]


async def test_a_reprice_run_again_after_its_worker_died_goes_on_after_the_last_chunk(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    products = await _pool(shop)
    before = await _prices(shop)
    async with shop.database.platform_transaction() as session:
        row = await rules.start_reprice_job(session, ADMIN, "operator")
        progress_id = row.id
    real, calls = repository.reprice, []

    async def dies_on_the_third_chunk(*args: Any, **kwargs: Any) -> RepriceCounts:
        calls.append(args[2])
        if len(calls) == 3:
            raise asyncio.CancelledError  # the process stops: nothing of the job runs on
        return await real(*args, **kwargs)

    monkeypatch.setattr(repository, "reprice", dies_on_the_third_chunk)
    with pytest.raises(asyncio.CancelledError):
        await run_full_reprice(shop.database, progress_id, chunk=2, margin=Decimal(1))
    [(status, done, cursor)] = await shop.sql(
        "SELECT status, done, cursor FROM job_progress WHERE id = :p", p=progress_id
    )
    assert (status, done, cursor) == ("running", 4, {"ranges": {"": [[0, products[3]]]}})
    await run_full_reprice(shop.database, progress_id, chunk=2, margin=Decimal(1))  # again
    assert calls[3] == {"after_id": products[3], "upto_id": products[4]}  # not from the start
    [(status, done, planned, counts)] = await shop.sql(
        "SELECT status, done, planned, counts FROM job_progress WHERE id = :p", p=progress_id
    )
    after = await _prices(shop)
    changed = {key[0] for key in after if after[key] != before.get(key)}
    assert (status, done, planned) == ("finished", 5, 5)
    assert counts == {"changed": len(changed), "kept": 5 - len(changed)}


async def test_a_cancelled_reprice_stops_after_its_chunk_and_says_what_it_left(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    products = await _pool(shop)
    before = await _prices(shop)
    async with shop.database.platform_transaction() as session:
        row = await rules.start_reprice_job(session, ADMIN, "operator")
        progress_id = row.id
    real = repository.reprice

    async def cancelled_while_running(*args: Any, **kwargs: Any) -> RepriceCounts:
        async with shop.database.platform_transaction() as session:  # 取消任务 in the console
            await progress.request_cancel(session, progress_id)
        return await real(*args, **kwargs)

    monkeypatch.setattr(repository, "reprice", cancelled_while_running)
    await run_full_reprice(shop.database, progress_id, chunk=2, margin=Decimal(1))
    [(status, done, counts, reasons)] = await shop.sql(
        "SELECT status, done, counts, reasons FROM job_progress WHERE id = :p", p=progress_id
    )
    assert (status, done) == ("cancelled", 2)
    assert counts["skipped"] == reasons["cancelled"] == 3
    assert counts["changed"] + counts["kept"] == 2
    after = await _prices(shop)
    moved = {key[0] for key in after if after[key] != before.get(key)}
    assert moved == {products[0], products[1]}  # the first chunk; the stale products[2] waits
