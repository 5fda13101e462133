"""商品池校准 from the console: asked first (naming the products it reads), run by the worker as
a procrastinate job whose progress row advances batch by batch, ending with a summary (changed /
unchanged / failed with the supplier's reason in words) equal to what the database shows; the
nightly run reports the same way; finance may not start it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.catalog.freshness import calibration
from hive.catalog.freshness import tasks as freshness
from hive.platform.config import Settings
from hive.platform.jobs import defer_in_transaction, run_worker
from hive.platform.permissions import Role
from tests.catalog.freshness.conftest import World
from tests.catalog.freshness.test_feed_messages import make_stale, pooled
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user
from tests.support.progress_log import distinct_states, log_progress
from tests.support.servers import running_server

POOLED = 8


@pytest.fixture
def hcm(world: World, settings: Settings) -> Iterator[str]:
    with running_server(create_hcm_app(world.kit.settings, settings.database_url)) as url:
        yield url


def _counts(box: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'<span id="(\w+)">(\d+)</span>', box)}


async def _calibrated_products(world: World) -> int:
    rows = await world.sql(
        "SELECT count(DISTINCT product_id) FROM product_changes WHERE source = 'calibration'"
    )
    return int(rows[0][0])


async def test_calibration_is_asked_first_then_runs_as_a_job_with_progress_and_a_true_summary(
    hcm: str, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    skus = await pooled(world, POOLED)
    await world.sql("DELETE FROM products WHERE supplier_sku <> ALL(:skus)", skus=skus)
    await make_stale(world, *skus[:3])
    await make_user(world.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    monkeypatch.setattr(calibration, "BATCH", 3)  # three batches: progress on the way
    with httpx.Client(base_url=hcm, timeout=60, follow_redirects=False) as client:
        sign_in(client, "operator1", "operator-pass-1")
        pool = client.get("/admin/catalog/pool").text
        asked = re.search(r'id="calibrate" name="confirm" value="1" data-confirm="([^"]*)"', pool)
        assert asked and f"商品池中 {POOLED} 个商品" in asked[1]
        token = csrf_token_of(client, "/admin/catalog/pool")
        unconfirmed = client.post("/admin/catalog/pool/calibrate", data={"csrf_token": token})
        assert unconfirmed.status_code == 200 and f"商品池中 {POOLED} 个商品" in unconfirmed.text
        assert 'name="confirm" value="1"' in unconfirmed.text
        assert await world.sql("SELECT count(*) FROM job_progress") == [(0,)]
        started = client.post(
            "/admin/catalog/pool/calibrate", data={"csrf_token": token, "confirm": "1"}
        )
        assert started.status_code == 303
        page = started.headers["location"]
        assert re.fullmatch(r"/admin/jobs/\d+", page)
        assert 'data-state="queued"' in client.get(page).text
        assert await _calibrated_products(world) == 0  # nothing ran in the request
        log_progress(settings)
        await run_worker(world.runtime, wait=False, queues=["catalog"])
        box = client.get(page, params={"fragment": 1}).text
        listed = client.get("/admin/jobs", params={"kind": "catalog.calibrate_pool"}).text

        # The supplier fails every call: the summary says so, in words.
        world.simulator.set_faults(error_5001_rate=1.0)
        again = client.post(
            "/admin/catalog/pool/calibrate", data={"csrf_token": token, "confirm": "1"}
        )
        await run_worker(world.runtime, wait=False, queues=["catalog"])
        failed_box = client.get(again.headers["location"], params={"fragment": 1}).text
        world.simulator.set_faults(error_5001_rate=0.0)

    seen = await world.sql(
        "SELECT done, planned, status FROM progress_seen WHERE n <= "
        "(SELECT min(n) FROM progress_seen WHERE status = 'finished') ORDER BY n"
    )
    states = distinct_states(seen)
    assert states[0] == (0, POOLED, "running") and states[-1] == (POOLED, POOLED, "finished")
    done = [row[0] for row in states]
    assert done == sorted(done) and len(set(done)) == 4  # 0, then each of three batches
    counts = _counts(box)
    changed = await _calibrated_products(world)
    assert changed >= 3  # the three made stale, at least
    assert counts == {"done": POOLED, "changed": changed, "kept": POOLED - changed}
    assert 'data-state="finished"' in box and "有变化" in box
    assert "商品池校准" in listed and 'data-state="finished"' in listed

    failed = _counts(failed_box)
    assert failed == {"done": POOLED, "failed": POOLED}
    reasons = dict(re.findall(r'<tr data-code="(\w+)"><td>([^<]*)</td>', failed_box))
    assert reasons and all(not re.search(r"[a-z]_[a-z]", text) for text in reasons.values())
    assert "job.reason" not in failed_box and "其他原因" not in failed_box


async def test_the_nightly_calibration_reports_through_a_progress_row(world: World) -> None:
    await pooled(world, 3)
    planned = int((await world.sql("SELECT count(*) FROM products"))[0][0])
    async with world.database.platform_transaction() as session:  # as the schedule does
        job_id = await defer_in_transaction(session, freshness.calibrate_pool, timestamp=0)
    await run_worker(world.runtime, wait=False, queues=["catalog"])
    rows = await world.sql("SELECT actor_name, status, done, planned, job_id FROM job_progress")
    assert [tuple(r) for r in rows] == [("system", "finished", planned, planned, job_id)]
    assert await world.sql(
        "SELECT status::text FROM procrastinate_jobs WHERE id = :j", j=job_id
    ) == [("succeeded",)]


async def test_finance_may_not_calibrate_even_confirmed(hcm: str, world: World) -> None:
    await pooled(world, 3)
    await make_user(world.database, "finance1", "finance-pass-1", role=Role.FINANCE)
    with httpx.Client(base_url=hcm, timeout=60, follow_redirects=False) as client:
        sign_in(client, "finance1", "finance-pass-1")
        pool = client.get("/admin/catalog/pool")
        assert pool.status_code == 200 and 'id="calibrate"' not in pool.text
        token = csrf_token_of(client, "/admin/catalog/pool")
        for data in ({"csrf_token": token}, {"csrf_token": token, "confirm": "1"}):
            refused = client.post("/admin/catalog/pool/calibrate", data=data)
            assert refused.status_code == 403 and 'id="confirm-form"' not in refused.text
    assert await world.sql("SELECT count(*) FROM job_progress") == [(0,)]
