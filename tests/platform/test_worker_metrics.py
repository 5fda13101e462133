"""The worker serves Prometheus metrics over HTTP (``HIVE_WORKER_METRICS_PORT``): jobs done and
failed by task, their durations, webhook attempts by outcome; only ``GET /metrics`` from an
allowed address answers."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from hive.openapi.tasks import purge_gateway_records_job
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import defer_in_transaction
from hive.platform.worker_metrics import serve_worker_metrics
from tests.support.platform import free_port
from tests.support.workers import worker

TASK = "hive.openapi.tasks.purge_gateway_records_job"


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of ``name`` with exactly these labels, or None."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            if found == labels:
                return float(match.group(2))
    return None


async def _metrics_until(url: str, tmp_path: Path, **wanted: str) -> tuple[httpx.Response, str]:
    """GET ``/metrics`` until it has a job sample with these labels (or fail after 120 s)."""
    deadline = time.monotonic() + 120
    text = ""
    while time.monotonic() < deadline:
        try:
            answer = await asyncio.to_thread(httpx.get, url + "/metrics", timeout=5)
            text = answer.text
            if _sample(text, "hive_worker_jobs_total", **wanted):
                return answer, text
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    log = (tmp_path / "worker.log").read_text(errors="replace")[-2000:]
    pytest.fail(f"no {wanted} in time:\n{text[-2000:]}\n{log}")


async def test_a_worker_process_serves_its_jobs_metrics_over_http(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with worker(settings, tmp_path / "data", tmp_path / "worker.log", metrics_port=port):
        async with database.platform_transaction() as session:
            await defer_in_transaction(session, purge_gateway_records_job, timestamp=0)
        await _metrics_until(url, tmp_path, task=TASK, outcome="done")
        async with database.platform_transaction() as session:  # a job its task cannot take
            await defer_in_transaction(session, purge_gateway_records_job, not_an_argument=1)
        answer, text = await _metrics_until(url, tmp_path, task=TASK, outcome="failed")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        # The test's worker defers no periodic job: only ours ran.
        assert _sample(text, "hive_worker_jobs_total", task=TASK, outcome="done") == 1.0
        assert _sample(text, "hive_worker_jobs_total", task=TASK, outcome="failed") == 1.0
        assert _sample(text, "hive_worker_job_duration_seconds_count", task=TASK) == 2.0
        assert "# TYPE hive_webhook_attempts_total counter" in text
        other = await asyncio.to_thread(httpx.get, url + "/", timeout=5)
        assert other.status_code == 404


async def test_metrics_are_refused_to_addresses_not_allowed_and_port_0_serves_none(
    settings: Settings,
) -> None:
    closed = settings.model_copy(update={"worker_metrics_port": free_port(), "metrics_allow": ""})
    async with serve_worker_metrics(closed) as port:
        assert port == closed.worker_metrics_port
        answer = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{port}/metrics")
        assert answer.status_code == 404 and "hive_worker" not in answer.text
    async with serve_worker_metrics(settings.model_copy(update={"worker_metrics_port": 0})) as off:
        assert off is None
