"""kill -9 the worker in the middle of 全部重新定价: a new worker goes on after the last chunk
that committed, each product repriced and counted once, the progress bar never going back.

Real processes: ``hive worker`` subprocesses on the test's database. The test holds a lock on
one stored price of the second chunk, so that chunk's statement waits and the kill always
lands after the first chunk committed with its progress, however loaded the machine."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from hive.catalog.pricing import rules
from hive.catalog.pricing import service as pricing
from hive.platform.config import Settings
from tests.catalog.pricing.conftest import Shop
from tests.support.factories import ADMIN
from tests.support.progress_log import log_progress
from tests.support.workers import (
    dead_workers_stalled,
    poll,
    progress_of,
    rows,
    scalar,
    worker,
)

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

CHUNK = 100  # the smallest chunk the settings allow
PRODUCTS = 2 * CHUNK + 50
DONE = "SELECT done = :n FROM job_progress WHERE id = :p"


async def test_a_reprice_whose_worker_was_killed_reprices_each_product_once(
    shop: Shop, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = shop.database
    await shop.grade("普通", "1.00")
    products = [await shop.product(1000 + i, 90_000) for i in range(PRODUCTS)]
    async with database.platform_transaction() as session:
        await pricing.reprice_products(session, products)
    # Every product dearer now: a full reprice changes each one, and one repriced twice would
    # count as changed once and unchanged the second time.
    await shop.sql("UPDATE products SET purchase_price_fen = purchase_price_fen + 500")
    async with database.platform_transaction() as session:
        row = await rules.start_reprice_job(session, ADMIN, "operator")
        progress_id, job_id = row.id, row.job_id
    log_progress(settings)
    monkeypatch.setenv("HIVE_PRICING_REPRICE_CHUNK", str(CHUNK))
    log = tmp_path / "workers.log"

    async with database.platform_transaction() as holder:  # the second chunk's price, locked
        await holder.execute(
            text("SELECT 1 FROM product_prices WHERE product_id = :p FOR UPDATE"),
            {"p": products[CHUNK + 10]},
        )
        with worker(settings, tmp_path / "w1", log) as first:
            await poll(
                "the first chunk to commit",
                lambda: scalar(database, DONE, p=progress_id, n=CHUNK),
            )
            await asyncio.sleep(2)  # the second chunk waits for the lock: no more is done
            assert await progress_of(database, progress_id) == (
                "running",
                CHUNK,
                PRODUCTS,
                "doing",
            )
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=30) == -signal.SIGKILL
    await poll("the dead worker's heartbeat to age", lambda: dead_workers_stalled(database))

    with worker(settings, tmp_path / "w2", log):
        succeeded = "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE id = :j"
        await poll(
            "the job to be resumed and succeed",
            lambda: scalar(database, succeeded, j=job_id),
        )

    status, done, planned, counts = (
        await rows(
            database,
            "SELECT status, done, planned, counts FROM job_progress WHERE id = :p",
            p=progress_id,
        )
    )[0]
    assert (status, done, planned) == ("finished", PRODUCTS, PRODUCTS)
    assert counts == {"changed": PRODUCTS, "kept": 0}  # no chunk repriced twice
    seen = [n for (n,) in await rows(database, "SELECT done FROM progress_seen ORDER BY n")]
    assert seen == sorted(seen) and seen[-1] == PRODUCTS  # the bar never went back
    attempts = await scalar(
        database, "SELECT attempts FROM procrastinate_jobs WHERE id = :j", j=job_id
    )
    assert attempts == 2
