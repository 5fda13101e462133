"""What the benchmarks share: a throw-away embedded PostgreSQL, the VOP simulator in its own
process and a registered VOP supplier (the supplier benchmarks); a gateway process, a tenant
with an app and signed requests (the Open API benchmarks). Everything stays on 127.0.0.1 and
is removed at the end."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate
from hive.customers import service as customers
from hive.customers.schemas import GradeCreate, TenantCreate
from hive.openapi import service as openapi
from hive.openapi.client import signed_headers
from hive.openapi.schemas import AppCreate, RateLimitSet
from hive.openapi.scopes import ALL_SCOPES
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.database_server import create_database_if_missing, start_embedded
from hive.platform.db import Database
from hive.platform.migrations import upgrade_to_head
from hive.suppliers import service
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.resilience.rate_limit import BURST_SECONDS, PostgresRateLimiter, RateLimiter
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.vop.adapter import VopAdapter

REPO = Path(__file__).resolve().parent.parent
ADMIN = Actor(user_id=None, username="bench", role="platform_admin")
SECRET_KEY = "bench-secret-key-bench-secret-key!!"  # noqa: S105 - a throw-away database
SECRETS = SecretBox(SECRET_KEY)
SIMULATOR_START_S = 120.0  # the machine may be shared and loaded


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator(
    data_dir: Path, extra_env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``hive vop-sim`` in its own process (its demo credentials); returns it and its URL."""
    port = free_port()
    env = {
        **os.environ,
        "HIVE_VOP_SIM_PORT": str(port),
        "HIVE_DATA_DIR": str(data_dir),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hive", "vop-sim"], env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SIMULATOR_START_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("simulator did not start")


@dataclass(frozen=True)
class BenchEnvironment:
    database_url: str
    simulator_url: str
    simulator_pid: int
    postgres_pid: int
    simulator_state: Path  # the simulator's SQLite store (its catalogue overlays, messages)


@contextmanager
def bench_environment(
    simulator_env: Mapping[str, str] | None = None,
) -> Iterator[BenchEnvironment]:
    """A migrated database and a running simulator, both gone afterwards."""
    # Inside the repository: the embedded server's system user must be able to reach it.
    work = REPO / ".hive" / f"bench-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    simulator = server = None
    try:
        server = start_embedded(work / "pgdata")
        create_database_if_missing(server.get_uri("postgres"), "bench")
        database_url = server.get_uri("bench")
        upgrade_to_head(database_url)
        simulator, sim_url = start_simulator(work / "sim", simulator_env)
        postmaster = int((work / "pgdata" / "postmaster.pid").read_text().split()[0])
        state = work / "sim" / "vop-sim.sqlite3"
        yield BenchEnvironment(database_url, sim_url, simulator.pid, postmaster, state)
    finally:
        if simulator is not None:
            simulator.terminate()
            simulator.wait(timeout=10)
        if server is not None:
            server.cleanup()  # stop PostgreSQL before its directory goes (it would linger)
        shutil.rmtree(work, ignore_errors=True)


async def register_vop(
    database: Database, url: str, name: str, rate_limits: dict[str, float]
) -> int:
    data = SupplierCreate(
        name=name,
        kind="vop",
        base_url=url,
        credentials=VopCredentials(
            client_id="hive-demo",
            client_secret="hive-demo-secret",  # noqa: S106 - the simulator's demo account
            username="hive",
            password="hive-demo-password",  # noqa: S106
        ),
        rate_limits=rate_limits,
    )
    async with database.platform_transaction() as session:
        return (await service.create_supplier(session, ADMIN, data, SECRETS)).id


def adapter_factory(
    database: Database,
    settings: Settings,
    http: httpx.AsyncClient,
    limiter: RateLimiter | None = None,
) -> AdapterFactory:
    """Adapters over the benchmark's database (PostgreSQL rate limiter unless given one)."""
    return AdapterFactory(
        database=database,
        settings=settings,
        secrets=SECRETS,
        http=http,
        limiter=limiter or PostgresRateLimiter(database),
    )


async def vop_adapter(factory: AdapterFactory, supplier_id: int) -> VopAdapter:
    adapter = await factory.for_supplier_id(supplier_id)
    assert isinstance(adapter, VopAdapter)
    return adapter


# --- the Open API benchmarks: a gateway process, a tenant with an app, signed requests ------

GATEWAY_START_S = 120.0  # the machine may be shared and loaded


@contextmanager
def scratch_database() -> Iterator[tuple[str, Path]]:
    """An embedded PostgreSQL under ``<repo>/.hive/bench-<random>`` with a migrated ``bench``
    database: its URL and the work directory (for the gateway's data), both gone afterwards."""
    work = REPO / ".hive" / f"bench-{uuid.uuid4().hex[:8]}"
    server = None
    try:
        server = start_embedded(work / "pgdata")
        create_database_if_missing(server.get_uri("postgres"), "bench")
        url = server.get_uri("bench")
        upgrade_to_head(url)
        yield url, work
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def configure_gateway_logging() -> None:
    """In a benchmark's gateway process: logging as ``hive hag`` configures it, from the
    settings ``gateway_env`` gives (warnings only, JSON)."""
    from hive.platform.config import Settings
    from hive.platform.logging import configure_logging

    configure_logging(Settings(), process="hag")


def gateway_env(url: str, work: Path, secret_key: str) -> dict[str, str]:
    """What a benchmark's gateway process is configured with (warnings only, JSON logs)."""
    return {
        "HIVE_DATABASE_URL": url,
        "HIVE_DATA_DIR": str(work / "data"),
        "HIVE_SECRET_KEY": secret_key,
        "HIVE_LOG_LEVEL": "WARNING",
        "HIVE_LOG_FORMAT": "json",
    }


def start_gateway(
    server_code: str, env: Mapping[str, str], *, quiet_stdout: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``server_code`` (a template with ``{bench}``, this directory, and ``{port}``, a free
    port) in its own Python process with ``env`` over this one's; wait for its ``/healthz``.
    Returns the process and its base URL; the caller terminates it."""
    port = free_port()
    code = server_code.format(bench=str(Path(__file__).resolve().parent), port=port)
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL if quiet_stdout else None,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + GATEWAY_START_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit("the gateway did not start")


# uvicorn (as ``hive hag`` runs it) closes a keep-alive connection idle for 5 s. httpx's
# pool keeps an idle one for 5 s too, so a request sent on a connection at the moment the
# gateway closes it crossed the close and was answered by a reset (``httpx.ReadError``): the
# benchmarks' flake under load, where some of the pool's connections sit idle for seconds
# while stragglers finish (seen: the gateway's keep-alive closes during a round). The client
# gives up an idle connection long before the gateway would (the rule for any keep-alive
# client: its idle timeout below the server's).
CLIENT_KEEPALIVE_S = 1.0


def client_limits(connections: int) -> httpx.Limits:
    """The benchmark client's pool: ``connections`` at most, none kept idle near the
    gateway's keep-alive timeout."""
    return httpx.Limits(
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=CLIENT_KEEPALIVE_S,
    )


def stop_gateway(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class BenchApp:
    """The benchmark's tenant (of its grade) and its app, which signs requests."""

    grade_id: int
    tenant_id: int
    app_key: str
    app_secret: str

    def headers(self, method: str, path: str, body: bytes = b"") -> dict[str, str]:
        """Signature headers for one request (no query); a body is JSON."""
        headers = signed_headers(self.app_key, self.app_secret, method, path, "", body)
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    async def get(self, client: httpx.AsyncClient, path: str) -> httpx.Response:
        return await client.get(path, headers=self.headers("GET", path))

    async def post(self, client: httpx.AsyncClient, path: str, body: bytes) -> httpx.Response:
        return await client.post(path, content=body, headers=self.headers("POST", path, body))


async def create_tenant_app(session: AsyncSession, secret_key: str) -> BenchApp:
    """Grade 金牌 (coefficient 1), tenant ``bench`` of it, and an app with every scope whose
    rate limit is never reached (the benchmarks measure the limiter's cost, not its refusals)."""
    grade = await customers.create_grade(
        session, ADMIN, GradeCreate(name="金牌", price_coefficient=1)
    )
    tenant = await customers.create_tenant(
        session, ADMIN, TenantCreate(code="bench", name="压测企业", grade_id=grade.id)
    )
    app = AppCreate(name="bench", scopes=list(ALL_SCOPES))
    issued = await openapi.create_app(session, ADMIN, tenant.id, app, SecretBox(secret_key))
    await openapi.set_app_rate_limit(
        session, ADMIN, issued.app_key, RateLimitSet(rate_per_s=100_000, burst=1_000_000)
    )
    return BenchApp(grade.id, tenant.id, issued.app_key, issued.app_secret)


async def create_default_pool(session: AsyncSession, grade_id: int) -> None:
    """A default distribution pool assigned to the grade: its tenants see every product."""
    pool = await distribution.create_pool(
        session, ADMIN, PoolCreate(name="默认池", kind=PoolKind.DEFAULT)
    )
    await distribution.assign_pool(session, ADMIN, pool.id, AssignmentCreate(grade_id=grade_id))


# --- what every benchmark prints ----------------------------------------------------------


def load_average() -> str:
    """The machine is shared: a figure means little without the load it ran under."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def print_conditions(size: str) -> None:
    """The conditions a recorded run needs: date, size and the load average."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"run {when}, {size}, {os.cpu_count()} cores, load average {load_average()}")


def finish(name: str, measure: str, value: str, goal: str, met: bool) -> None:
    """The last line of every benchmark; a goal not met also exits with status 1."""
    print(f"load average at the end: {load_average()}")
    print(f"RESULT {name}: {measure}={value} goal {goal} {'met' if met else 'not met'}")
    if not met:
        sys.exit(1)


# --- calls that reached the supplier ------------------------------------------------------


class SupplierCalls:
    """Supplier calls counted at the HTTP client: for each VOP method, when each request that
    was answered went out (``time.perf_counter``). Token requests and calls that never left
    the process (refused by the limiter, the breaker or the bulkhead) are not counted."""

    def __init__(self) -> None:
        self.sent: defaultdict[str, list[float]] = defaultdict(list)

    def attach(self, http: httpx.AsyncClient) -> None:
        http.event_hooks["request"].append(self._request)
        http.event_hooks["response"].append(self._response)

    async def _request(self, request: httpx.Request) -> None:
        request.extensions["bench_sent_at"] = time.perf_counter()

    async def _response(self, response: httpx.Response) -> None:
        path = response.request.url.path
        if path.startswith("/api/"):
            self.sent[path.removeprefix("/api/")].append(
                response.request.extensions["bench_sent_at"]
            )

    def between(self, method: str, start: float, end: float) -> list[float]:
        return [at for at in self.sent[method] if start <= at <= end]


@dataclass(frozen=True)
class RateBudget:
    """One rate-limited method's calls during a run, against the configured limit.

    The baseline is the configured limit itself (a constant, not measured). The bucket starts
    full, so at most ``burst + qps x elapsed`` calls can go out in ``elapsed`` seconds (the
    ceiling); more means the limiter let calls through that the supplier would refuse. The
    ratio leaves the burst out: ``(calls - burst) / (qps x elapsed)``, at most 1 when the
    limiter works, and the goal is at least 0.9 of it."""

    method: str
    calls: int
    elapsed_s: float
    qps: float

    @property
    def burst(self) -> float:
        return max(1.0, self.qps * BURST_SECONDS)

    @property
    def ceiling(self) -> float:
        return self.burst + self.qps * self.elapsed_s

    @property
    def within_ceiling(self) -> bool:
        return self.calls <= self.ceiling

    @property
    def ratio(self) -> float:
        return (self.calls - self.burst) / (self.qps * self.elapsed_s)


def rate_budget(
    calls: SupplierCalls, method: str, qps: float, start: float, end: float
) -> RateBudget:
    return RateBudget(method, len(calls.between(method, start, end)), end - start, qps)


# A limit no benchmark reaches: the same path "without a limit", to measure what the machine
# can do beside the limited run.
UNLIMITED_QPS = 10_000.0  # the highest a supplier may be given
PROBE_SHARE = 5  # the unlimited probe handles a fifth of the run's SKUs or products


def unlimited_rate(
    calls: SupplierCalls, methods: tuple[str, ...], start: float, end: float
) -> float:
    """Calls per second of the slowest method between ``start`` and ``end``, from its first
    call to its last (the start-up before and the last answer after are left out)."""
    rates = []
    for method in methods:
        sent = calls.between(method, start, end)
        span = max(sent) - min(sent) if len(sent) > 1 else 0.0
        rates.append((len(sent) - 1) / span if span > 0 else 0.0)
    return min(rates)


def report_budgets(
    name: str,
    budgets: list[RateBudget],
    goal: float,
    unlimited: float | None = None,
    failed: Mapping[str, int] | None = None,
) -> None:
    """Per method: calls, the ceiling and the ratio; then the RESULT line (met only when every
    method is within its ceiling and its ratio is at least ``goal``, and no call failed).
    ``unlimited`` is the path's own rate measured in the same run without a limit, printed for
    context; ``failed`` counts what failed, by error code (a limiter letting too many calls
    through may show there first: the supplier refuses them, the breaker opens)."""
    qps = budgets[0].qps
    print(
        f"baseline: the configured limit, {qps:.1f} calls/s per method (a constant from the "
        "supplier's settings, not measured). Calls counted at the HTTP client; "
        f"the bucket's burst ({BURST_SECONDS:.0f} s of the limit) is left out of the ratio."
    )
    if unlimited is not None:
        print(
            f"measured in the same run: the same path without a limit did {unlimited:.1f} "
            f"calls/s per method = {unlimited / qps:.2f} x the limit"
        )
        if unlimited < goal * qps:
            print("  below the goal's rate: the goal cannot be met on this machine now")
        if unlimited < qps:
            print(
                "  below the limit: a missing limiter would not show (the path cannot exceed "
                "the ceiling)"
            )
    for b in budgets:
        print(
            f"  {b.method:<24} {b.calls:6d} calls in {b.elapsed_s:6.1f} s; ceiling burst "
            f"{b.burst:.0f} + limit x elapsed = {b.ceiling:8.1f} "
            f"({'within' if b.within_ceiling else 'EXCEEDED'}); ratio to limit "
            f"(calls - burst) / (limit x elapsed) = {b.ratio:.3f}"
        )
    failures = sum((failed or {}).values())
    if failures:
        print(f"  {failures} failed, by code: {dict(sorted((failed or {}).items()))}")
    worst_low = min(b.ratio for b in budgets)
    worst_high = max(b.ratio for b in budgets)
    within = all(b.within_ceiling for b in budgets)
    value = worst_low if within else worst_high
    finish(
        name,
        "ratio_to_limit",
        f"{value:.3f}" + (f" ({failures} failed)" if failures else ""),
        f">= {goal} and <= 1.0",
        worst_low >= goal and within and not failures,
    )
