"""The worker's Prometheus metrics: every job it runs (done or failed, by task, and how long),
and whatever else the process counts (webhook attempts by outcome, supplier calls, the change
feed), served at ``/metrics`` on ``HIVE_WORKER_METRICS_PORT`` (0: not served) for the
addresses in ``HIVE_METRICS_ALLOW``, as HCM and HAG serve theirs.

The worker has no web framework, so the endpoint is a minimal HTTP/1.1 server on the worker's
own event loop: it reads one request head, answers ``GET /metrics`` (anything else, or an
address not allowed, gets the same 404) and closes the connection. A port already in use is
logged as an error and the worker runs its jobs without serving metrics.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from procrastinate.job_context import JobContext
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from hive.platform.config import Settings
from hive.platform.logging import get_logger
from hive.platform.observability import address_allowed

log = get_logger("hive.worker.metrics")

JOBS = Counter(
    "hive_worker_jobs_total", "Jobs the worker ran, by task and outcome (done, failed)",
    ["task", "outcome"],
)  # fmt: skip
JOB_SECONDS = Histogram(
    "hive_worker_job_duration_seconds",
    "How long each job ran, by task",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_HEAD_LIMIT = 8192
_READ_TIMEOUT_S = 5.0


async def measure_job(call_next: Any, context: JobContext, worker: Any) -> Any:
    """Procrastinate worker middleware: count and time every job by its task's name."""
    task = context.job.task_name if context.job else "unknown"
    started = time.perf_counter()
    try:
        result = await call_next()
    except BaseException:
        JOBS.labels(task, "failed").inc()
        raise
    else:
        JOBS.labels(task, "done").inc()
        return result
    finally:
        JOB_SECONDS.labels(task).observe(time.perf_counter() - started)


def _answer(status: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def metrics_handler(settings: Settings) -> Any:
    networks = settings.metrics_networks

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            parts = head[:_HEAD_LIMIT].split(b"\r\n", 1)[0].split(b" ")
            peer = writer.get_extra_info("peername")
            host = peer[0] if isinstance(peer, tuple) and peer else None
            wanted = len(parts) == 3 and parts[0] in (b"GET", b"HEAD")
            path = parts[1].split(b"?", 1)[0] if wanted else b""
            if wanted and path == b"/metrics" and address_allowed(host, networks):
                writer.write(_answer("200 OK", generate_latest(), CONTENT_TYPE_LATEST))
            else:
                writer.write(_answer("404 Not Found", b"Not Found", "text/plain"))
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a client that sends no complete head gets nothing
        except ConnectionError:
            pass
        finally:
            writer.close()

    return handle


@asynccontextmanager
async def serve_worker_metrics(settings: Settings) -> AsyncIterator[int | None]:
    """Serve ``/metrics`` while the block runs; yields the port (None when not served)."""
    if settings.worker_metrics_port == 0:
        yield None
        return
    try:
        server = await asyncio.start_server(
            metrics_handler(settings),
            settings.host,
            settings.worker_metrics_port,
            limit=_HEAD_LIMIT,
        )
    except OSError as exc:
        # Jobs matter more than their metrics: the worker runs on, and says so loudly.
        log.error(
            "worker metrics not served: choose another port with HIVE_WORKER_METRICS_PORT",
            host=settings.host,
            port=settings.worker_metrics_port,
            error=exc.strerror,
        )
        yield None
        return
    port = int(server.sockets[0].getsockname()[1])
    log.info("worker metrics", host=settings.host, port=port)
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()
