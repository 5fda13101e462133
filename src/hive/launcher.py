"""What each ``hive`` command does: serve one process, or supervise all of them (``hive up``)."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import uvicorn
from pydantic import ValidationError

from hive.billing import service as billing
from hive.billing.schemas import TopUp
from hive.console.error_pages import translate_problems
from hive.console.i18n import DEFAULT_LANGUAGE, translator
from hive.customers import service as customers
from hive.customers.errors import GradeNotFound
from hive.demo import DEMO_APP, DEMO_LOGINS, seed_demo_data
from hive.openapi import service as openapi
from hive.openapi.schemas import AppCreate, RateLimitSet
from hive.orders import receivers
from hive.orders.receivers import Reencrypted
from hive.platform.actor import Actor
from hive.platform.collector import tune_for_batches
from hive.platform.config import Settings
from hive.platform.crypto import SecretUnreadable
from hive.platform.database_server import DatabaseServer, open_database_server, release_embedded
from hive.platform.db import Database, create_engine
from hive.platform.errors import HiveError, StartupError
from hive.platform.jobs import JobRuntime, run_worker
from hive.platform.logging import configure_logging, get_logger
from hive.platform.migrations import ensure_not_newer_than_code, is_at_head, upgrade_to_head
from hive.platform.permissions import Role
from hive.platform.ports import ensure_port_free
from hive.platform.secret_key import load_secret_box
from hive.platform.validation import invalid_input
from hive.stop_signals import StopRequested, StopSignals
from hive.supervisor import ChildSpec, Supervisor
from hive.suppliers.service import reencrypt_credentials, reencrypt_tokens
from hive.webhooks import service as webhooks

if TYPE_CHECKING:
    from hive.orders.invariants import InvariantReport
    from hive.suppliers.factory import AdapterFactory

log = get_logger("hive.launcher")

T = TypeVar("T")
# Who the ``hive apps`` commands act as in the audit log.
_OPERATOR_CLI = Actor(user_id=None, username="hive-cli", role=Role.PLATFORM_ADMIN.value)


def _database(settings: Settings, *, require_schema: bool = True) -> DatabaseServer:
    server = open_database_server(settings)
    ensure_not_newer_than_code(server.url)
    if require_schema and not is_at_head(server.url):
        raise StartupError("The database schema is not up to date: run `hive migrate` first.")
    return server


# How long HCM and HAG keep an idle keep-alive connection open (uvicorn's default, stated here
# because clients depend on it: a client must give up an idle connection sooner, see
# ``hive.openapi.client.IDLE_CONNECTION_EXPIRY_S``).
KEEP_ALIVE_S = 5


def _serve(app: object, settings: Settings, port: int, setting: str) -> None:
    ensure_port_free(settings.host, port, setting=setting)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=port,
        loop="uvloop",
        log_config=None,
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=5,
    )


def serve_hcm(settings: Settings) -> None:
    from hive.apps.hcm import create_hcm_app

    configure_logging(settings, process="hcm")
    server = _database(settings)
    _serve(create_hcm_app(settings, server.url), settings, settings.hcm_port, "HIVE_HCM_PORT")


def serve_hag(settings: Settings) -> None:
    from hive.apps.hag import create_hag_app

    configure_logging(settings, process="hag")
    server = _database(settings)
    _serve(create_hag_app(settings, server.url), settings, settings.hag_port, "HIVE_HAG_PORT")


def serve_vop_simulator(settings: Settings) -> None:
    from hive.simulators.vop.server import serve

    configure_logging(settings, process="vop-sim")
    ensure_port_free(settings.host, settings.vop_sim_port, setting="HIVE_VOP_SIM_PORT")
    serve(settings.host, settings.vop_sim_port, settings.data_dir.resolve())


def run_job_worker(settings: Settings) -> None:
    configure_logging(settings, process="worker")
    server = _database(settings)
    asyncio.run(_work(server.url, settings))


async def _work(url: str, settings: Settings) -> None:
    """Jobs and the supplier change feed, side by side, until SIGINT/SIGTERM.

    One job runtime (database, supplier adapters, settings) is built here and shared by every
    job and by the feed consumers."""
    from hive.domains import DOMAINS
    from hive.platform.domains import start_worker
    from hive.platform.worker_metrics import serve_worker_metrics
    from hive.suppliers.runtime import supplier_runtime

    database = Database(create_engine(url, settings))
    stop = asyncio.Event()
    try:
        async with supplier_runtime(database, settings) as adapters:
            runtime = JobRuntime(url, database, settings, adapters.for_supplier_id)
            start_worker(DOMAINS, runtime)
            tune_for_batches(settings.worker_gc_threshold)
            feeds = [asyncio.create_task(feed) for feed in await _feeds(runtime, adapters, stop)]
            try:
                async with serve_worker_metrics(settings):
                    await run_worker(runtime)
            finally:
                stop.set()
                await asyncio.gather(*feeds)
    finally:
        await database.dispose()


async def _feeds(
    runtime: JobRuntime, adapters: AdapterFactory, stop: asyncio.Event
) -> list[Coroutine[Any, Any, None]]:
    """The polling consumer, plus a RabbitMQ consumer per supplier whose kind pushes (the
    supplier kinds registry has its decoder) when RabbitMQ is configured; those suppliers are
    then left out of polling. Their handlers get the job runtime."""
    from hive.feed.polling import run_feed_consumer
    from hive.feed.push import PushConsumer
    from hive.suppliers import service as suppliers
    from hive.suppliers.kinds import push_decoder

    database, settings = runtime.database, runtime.settings
    pushed: set[int] = set()
    feeds: list[Coroutine[Any, Any, None]] = []
    if settings.amqp_url:
        async with database.platform_transaction() as session:
            rows = await suppliers.list_suppliers(session)
        for supplier in rows:
            decode = push_decoder(supplier.kind)
            if supplier.enabled and decode is not None:
                pushed.add(supplier.id)
                consumer = PushConsumer(
                    database,
                    supplier.id,
                    settings.amqp_url,
                    decode=decode,
                    exchange=settings.feed_amqp_exchange,
                    redelivery_delay_s=settings.feed_redelivery_delay_s,
                    max_attempts=settings.feed_max_attempts,
                    batch_size=settings.feed_batch_size,
                    runtime=runtime,
                )
                feeds.append(consumer.run(stop))
    feeds.append(
        run_feed_consumer(
            database,
            adapters,
            stop_event=stop,
            poll_interval_s=settings.feed_poll_interval_s,
            max_attempts=settings.feed_max_attempts,
            polled=lambda s: s.id not in pushed,
            batch_size=settings.feed_batch_size,
            after_commit_concurrency=settings.feed_after_commit_concurrency,
            runtime=runtime,
        )
    )
    return feeds


def migrate_database(settings: Settings) -> None:
    configure_logging(settings, process="migrate")
    server = _database(settings, require_schema=False)
    upgrade_to_head(server.url, load_secret_box(settings))
    log.info("database schema is up to date")


def seed_database(settings: Settings) -> None:
    configure_logging(settings, process="seed")
    server = _database(settings)
    asyncio.run(_seed(server.url, settings))
    log.info("demo data loaded")


async def _seed(url: str, settings: Settings) -> None:
    database = Database(create_engine(url, settings, pooled=False))
    try:
        await seed_demo_data(database, settings)
    finally:
        await database.dispose()


@dataclass(frozen=True, slots=True)
class SecretsRewritten:
    """What ``hive reencrypt-secrets`` rewrote: suppliers' credentials, supplier tokens
    (rewritten or dropped), Open API app secrets, webhook subscription secrets."""

    credentials: int
    tokens: int
    app_secrets: int
    webhook_secrets: int


def reencrypt_secrets(settings: Settings) -> SecretsRewritten:
    """Rewrite every stored secret under HIVE_SECRET_KEY, in one transaction: all or nothing.

    Raises :class:`StartupError` when one cannot be decrypted with the current or previous keys.
    """
    configure_logging(settings, process="reencrypt-secrets")
    server = _database(settings)
    try:
        rewritten = asyncio.run(_reencrypt(server.url, settings))
    except SecretUnreadable:
        raise StartupError(
            "A stored secret cannot be decrypted with HIVE_SECRET_KEY or "
            "HIVE_PREVIOUS_SECRET_KEYS (list the secret that encrypted it); nothing was rewritten."
        ) from None
    log.info("stored secrets re-encrypted", **asdict(rewritten))
    return rewritten


async def _reencrypt(url: str, settings: Settings) -> SecretsRewritten:
    actor = Actor(user_id=None, username="reencrypt-secrets", role=Role.PLATFORM_ADMIN.value)
    database = Database(create_engine(url, settings, pooled=False))
    try:
        box = load_secret_box(settings)
        async with database.platform_transaction() as session:
            return SecretsRewritten(
                credentials=await reencrypt_credentials(session, actor, box),
                tokens=await reencrypt_tokens(session, actor, box),
                app_secrets=await openapi.reencrypt_secrets(session, actor, box),
                webhook_secrets=await webhooks.reencrypt_secrets(session, actor, box),
            )
    finally:
        await database.dispose()


def reencrypt_receivers(settings: Settings, batch_size: int) -> Reencrypted:
    """``hive orders reencrypt-receivers``: every order's receiver under HIVE_SECRET_KEY, in
    committed batches (run it again after an interruption: it carries on)."""
    configure_logging(settings, process="reencrypt-receivers")
    box = load_secret_box(settings)
    try:
        done = run_on_database(
            settings, lambda db: receivers.reencrypt_receivers(db, box, batch_size=batch_size)
        )
    except SecretUnreadable:
        raise StartupError(
            "A receiver cannot be decrypted with HIVE_SECRET_KEY or HIVE_PREVIOUS_SECRET_KEYS "
            "(list the secret that encrypted it); the batches before it were re-encrypted."
        ) from None
    log.info("receivers re-encrypted", rewritten=done.rewritten, batches=done.batches)
    return done


def create_open_app(settings: Settings, tenant_code: str, data: AppCreate) -> openapi.IssuedKey:
    """``hive apps create``: a new Open API app of the tenant; its secret is shown once."""
    configure_logging(settings, process="apps")
    return run_on_database(settings, lambda db: _create_open_app(db, settings, tenant_code, data))


async def _create_open_app(
    database: Database, settings: Settings, tenant_code: str, data: AppCreate
) -> openapi.IssuedKey:
    async with database.platform_transaction() as session:
        tenant = await customers.find_tenant_by_code(session, tenant_code)
        return await openapi.create_app(
            session, _OPERATOR_CLI, tenant.id, data, load_secret_box(settings)
        )


def revoke_open_app(settings: Settings, app_key: str) -> None:
    """``hive apps revoke``: the app's requests are refused from now on."""
    configure_logging(settings, process="apps")

    async def revoke(database: Database) -> None:
        async with database.platform_transaction() as session:
            await openapi.revoke_app(session, _OPERATOR_CLI, now=datetime.now(UTC), app_key=app_key)

    run_on_database(settings, revoke)


def limit_open_app(settings: Settings, app_key: str, limit: RateLimitSet) -> None:
    """``hive apps limit``: the app's own rate limit, over its grade's."""
    configure_logging(settings, process="apps")

    async def set_limit(database: Database) -> None:
        async with database.platform_transaction() as session:
            await openapi.set_app_rate_limit(session, _OPERATOR_CLI, app_key, limit)

    run_on_database(settings, set_limit)


def top_up_account(
    settings: Settings, tenant_code: str, amount_fen: int, note: str
) -> billing.AccountSummary:
    """``hive accounts top-up``: money received from the tenant onto its prepaid balance, as
    finance, audited under the terminal user's name. Returns the account afterwards."""
    configure_logging(settings, process="accounts")
    actor = Actor(user_id=None, username=f"cli:{getpass.getuser()}"[:64], role=Role.FINANCE.value)

    async def top_up(database: Database) -> billing.AccountSummary:
        async with database.platform_transaction() as session:
            tenant = await customers.find_tenant_by_code(session, tenant_code)
            try:
                data = TopUp(tenant_id=tenant.id, amount_fen=amount_fen, note=note)
            except ValidationError as exc:
                raise invalid_input(exc) from None
            await billing.top_up(session, actor, data)
            return await billing.account_summary(session, actor, tenant.id)

    return run_on_database(settings, top_up)


def limit_grade(settings: Settings, grade_name: str, limit: RateLimitSet) -> None:
    """``hive apps grade-limit``: the Open API rate limit of a customer grade."""
    configure_logging(settings, process="apps")

    async def set_limit(database: Database) -> None:
        async with database.platform_transaction() as session:
            grades = {grade.name: grade.id for grade in await customers.list_grades(session)}
            if grade_name not in grades:
                raise GradeNotFound(details={"grade": grade_name})
            await openapi.set_grade_rate_limit(session, _OPERATOR_CLI, grades[grade_name], limit)

    run_on_database(settings, set_limit)


def run_on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the configured database; a refused input prints its message."""
    server = _database(settings)

    async def run() -> T:
        database = Database(create_engine(server.url, settings, pooled=False))
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except HiveError as error:
        raise StartupError(refusal_line(error)) from None


def refusal_line(error: HiveError) -> str:
    """A refused command as one line: the code, the message and, for refused input, each
    problem as ``field：sentence`` in the platform's language (the console's sentences, the
    field's own name: a page's label for it is only defined once that page's module is
    loaded, so the line would depend on what this process happened to import), never the
    raw details."""
    details = dict(error.details or {})
    t = translator(DEFAULT_LANGUAGE)
    problems = translate_problems(details.pop("problems", None), t, field_labels=False)
    rest = [str(details)] if details else []
    return "; ".join([f"{error.code}: {error.message}", *problems, *rest])


def run_platform(settings: Settings, signals: StopSignals, *, seed: bool) -> int:
    """``hive up``: database, migrations, demo data, then every process, supervised, until
    SIGINT or SIGTERM (docs/processes.md). A stop at any moment exits 0. ``signals`` is
    installed by the caller as early as it can."""
    configure_logging(settings, process="up")
    try:
        return _run_platform(settings, signals, seed=seed)
    except StopRequested:
        return 0
    except Exception:
        if signals.requested:  # the stop made a start-up step fail (a Ctrl-C reaches pg_ctl)
            return 0
        raise


def _run_platform(settings: Settings, signals: StopSignals, *, seed: bool) -> int:
    supervisor: Supervisor | None = None
    try:
        for port, setting in _ports(settings):
            ensure_port_free(settings.host, port, setting=setting)
        with signals.deferred():  # never kill initdb or pg_ctl halfway
            server = _database(settings, require_schema=False)
        upgrade_to_head(server.url, load_secret_box(settings))
        if seed:
            asyncio.run(_seed(server.url, settings))
        with signals.deferred():  # from here on the supervisor polls for the stop
            env = _child_env(settings, server.url)
            supervisor = Supervisor(_child_specs(settings), settings, signals, env)
            supervisor.start()
            if not supervisor.wait_until_healthy():
                return 0
            _print_welcome(settings, server, seed=seed)
            return supervisor.run()
    finally:
        try:
            signals.hold()
        finally:
            signals.hold()  # a signal may have interrupted the first call
            _stop_platform(settings, supervisor)


def _stop_platform(settings: Settings, supervisor: Supervisor | None) -> None:
    """Children first (they hold database connections), then the embedded PostgreSQL."""
    try:
        if supervisor is not None:
            supervisor.stop()
    finally:
        if settings.uses_embedded_database:
            release_embedded(settings.pgdata_dir, settings.up_stop_grace_s)


def _ports(settings: Settings) -> list[tuple[int, str]]:
    return [
        (settings.hcm_port, "HIVE_HCM_PORT"),
        (settings.hag_port, "HIVE_HAG_PORT"),
        (settings.vop_sim_port, "HIVE_VOP_SIM_PORT"),
    ]


def _child_specs(settings: Settings) -> list[ChildSpec]:
    base = f"http://{settings.host}"
    return [
        ChildSpec(name, [sys.executable, "-m", "hive", name], url, stops_last=name == "vop-sim")
        for name, url in (
            ("hcm", f"{base}:{settings.hcm_port}/healthz"),
            ("hag", f"{base}:{settings.hag_port}/healthz"),
            ("vop-sim", f"{base}:{settings.vop_sim_port}/healthz"),
            ("worker", None),
        )
    ]


def _child_env(settings: Settings, database_url: str) -> dict[str, str]:
    env = {**os.environ, "HIVE_DATABASE_URL": database_url}
    # `hive up` is a developer's machine: webhooks to a receiver on it are allowed unless set.
    env.setdefault("HIVE_WEBHOOK_ALLOW_LOOPBACK", "true")
    if settings.amqp_url:
        env.setdefault("HIVE_VOP_SIM_AMQP_URL", settings.amqp_url)
    if settings.log_format == "auto" and sys.stderr.isatty():
        # Children write into a pipe, but their lines end up on our terminal.
        env["HIVE_LOG_FORMAT"] = "console"
    return env


def _print_welcome(settings: Settings, server: DatabaseServer, *, seed: bool) -> None:
    base = f"http://{settings.host}"
    lines = [
        "",
        "Hive is running. Press Ctrl-C to stop.",
        f"  Console (HCM)     {base}:{settings.hcm_port}/",
        f"  Gateway (HAG)     {base}:{settings.hag_port}/",
        f"  VOP simulator     {base}:{settings.vop_sim_port}/",
        f"  Metrics           {base}:{settings.hcm_port}/metrics",
        "  Database          "
        + (f"embedded PostgreSQL in {settings.pgdata_dir}" if server.is_embedded else "external"),
    ]
    if seed:
        lines.append("  Demo logins:")
        lines += [
            f"    {login.username:<14} {login.password:<20} {login.role.value}"
            for login in DEMO_LOGINS
        ]
        lines.append(f"  Demo Open API app of {DEMO_APP.tenant_code} (docs/open-api.md):")
        lines.append(f"    AppKey    {DEMO_APP.app_key}")
        lines.append(f"    AppSecret {DEMO_APP.app_secret}")
    print("\n".join(lines) + "\n", flush=True)


def sync_orders(settings: Settings, numbers: list[str]) -> dict[str, str]:
    """``hive orders sync NUMBER…``: read these sub-orders from their suppliers now and apply
    what changed (docs/orders.md, reconciliation); what each did, by number."""
    from hive.orders.reconciliation import sync_now
    from hive.suppliers.runtime import supplier_runtime

    configure_logging(settings, process="orders")

    async def sync(database: Database) -> dict[str, str]:
        async with supplier_runtime(database, settings) as adapters:
            return await sync_now(database, adapters.for_supplier_id, numbers)

    return run_on_database(settings, sync)


def check_orders(settings: Settings, days: int) -> InvariantReport:
    """``hive orders check --days N``: the order invariants over the sub-orders of the last N
    days (0: all), on the configured database and suppliers (docs/orders.md)."""
    from hive.orders.invariants import run_invariant_check
    from hive.suppliers.runtime import supplier_runtime

    configure_logging(settings, process="orders")
    since = datetime.now(UTC) - timedelta(days=days) if days > 0 else None

    async def check(database: Database) -> InvariantReport:
        async with supplier_runtime(database, settings) as adapters:
            return await run_invariant_check(database, adapters.for_supplier_id, since=since)

    return run_on_database(settings, check)
