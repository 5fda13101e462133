"""The ``hive`` command: one CLI that starts every Hive process."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from pydantic import ValidationError

from hive.platform.config import Settings, get_settings
from hive.platform.errors import StartupError
from hive.stop_signals import hold_stops, restore_default_handling

if TYPE_CHECKING:
    from hive.cli_names import NameFormat

app = typer.Typer(
    help="Hive: an aggregated supply-chain platform (S2B2C). "
    "Run `hive up` to start everything on this machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"hive: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HIVE_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise _fail(f"invalid configuration: {problems}") from None


def _check_names(*names: tuple[str, str, NameFormat]) -> None:
    """Refuse (one line, exit 2) every ``(argument, value, format)`` whose value cannot name
    anything, before anything is looked up (``hive.cli_names``)."""
    from hive.cli_names import check_names
    from hive.launcher import refusal_line
    from hive.platform.validation import InvalidInput

    try:
        check_names(*names)
    except InvalidInput as error:
        raise _fail(refusal_line(error)) from None


def _guarded(action: Callable[[Settings], T]) -> T:
    """Run a command body; expected start-up problems print one line and exit 2."""
    settings = _settings()
    try:
        return action(settings)
    except StartupError as exc:
        raise _fail(str(exc)) from None


@app.callback()
def _commands_own_signals(ctx: typer.Context) -> None:
    # Every command but `hive up` runs with Python's defaults (servers, the worker and asyncio
    # install their own) and a stop held since loading ended takes effect now; `hive up`
    # installs its StopSignals first thing, which take such a stop over (it exits 0).
    if ctx.invoked_subcommand != "up":
        restore_default_handling()


@app.command()
def up(
    no_seed: bool = typer.Option(False, "--no-seed", help="Do not load the demo data."),
) -> None:
    """Start the whole platform: database, migrations, demo data, HCM, HAG, worker, simulator.

    Uses the embedded PostgreSQL under HIVE_DATA_DIR unless HIVE_DATABASE_URL is set, reuses
    its data on the next start, and stops everything on Ctrl-C.
    """
    from hive.stop_signals import StopRequested, StopSignals

    signals = StopSignals()
    try:
        signals.install()  # before the imports below: a Ctrl-C while they load exits quietly too
        from hive.launcher import run_platform

        code = _guarded(lambda settings: run_platform(settings, signals, seed=not no_seed))
    except StopRequested:
        code = 0
    sys.exit(code)


@app.command()
def status() -> None:
    """Show what `hive up` runs (in this HIVE_DATA_DIR): pids, since when, restarts.

    Exit code 0 while Hive is running, 3 when it is not.
    """
    from hive.process_state import status_report

    report, code = status_report(_settings().data_dir)
    typer.echo(report)
    raise typer.Exit(code)


@app.command()
def hcm() -> None:
    """Serve HCM: business logic and the web console (HIVE_HCM_PORT, default 8000)."""
    from hive.launcher import serve_hcm

    _guarded(serve_hcm)


@app.command()
def hag() -> None:
    """Serve HAG: the gateway for the Open API and supplier traffic (HIVE_HAG_PORT, 8001)."""
    from hive.launcher import serve_hag

    _guarded(serve_hag)


@app.command()
def worker() -> None:
    """Run a background job worker (procrastinate) with the periodic tasks."""
    from hive.launcher import run_job_worker

    _guarded(run_job_worker)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (refuses a database newer than this Hive)."""
    from hive.launcher import migrate_database

    _guarded(migrate_database)


@app.command()
def seed() -> None:
    """Load the demo data (grades, two tenants, demo logins); safe to run again."""
    from hive.launcher import seed_database

    _guarded(seed_database)


@app.command("reencrypt-secrets")
def reencrypt_secrets() -> None:
    """Rewrite stored secrets (supplier credentials and tokens, Open API app secrets, webhook
    subscription secrets) under HIVE_SECRET_KEY after a rotation, all in one transaction.

    Ciphertexts made with HIVE_PREVIOUS_SECRET_KEYS (or before key ids) are decrypted and
    encrypted again; afterwards the previous keys can be removed.
    """
    from hive.launcher import reencrypt_secrets as run

    done = _guarded(run)
    typer.echo(
        f"re-encrypted the credentials of {done.credentials} suppliers, {done.tokens} tokens, "
        f"{done.app_secrets} app secrets and {done.webhook_secrets} webhook secrets"
    )


apps = typer.Typer(help="Open API apps of tenants: create, revoke (docs/open-api.md).")
app.add_typer(apps, name="apps")


@apps.command("create")
def apps_create(
    tenant: str = typer.Option(..., "--tenant", help="The tenant's code, e.g. acme."),
    name: str = typer.Option(..., "--name", help="The app's name."),
    scopes: list[str] = typer.Option(  # noqa: B008
        None, "--scopes", help="Scopes (repeat or comma-separate); default: all."
    ),
    ip_allow: list[str] = typer.Option(  # noqa: B008
        None, "--ip-allow", help="Allowed client networks (CIDR); default: any."
    ),
) -> None:
    """Create an app and print {"app_key": ..., "app_secret": ...} as JSON (shown only once)."""
    import json

    from hive.cli_names import TENANT
    from hive.launcher import create_open_app
    from hive.openapi.schemas import AppCreate
    from hive.openapi.scopes import ALL_SCOPES

    _check_names(("--tenant", tenant, TENANT))
    chosen = [s.strip() for item in scopes or [] for s in item.split(",") if s.strip()]
    networks = [n.strip() for item in ip_allow or [] for n in item.split(",") if n.strip()]
    try:
        data = AppCreate(name=name, scopes=chosen or list(ALL_SCOPES), ip_allow=networks)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise _fail(f"invalid app: {problems}") from None
    issued = _guarded(lambda settings: create_open_app(settings, tenant, data))
    typer.echo(json.dumps({"app_key": issued.app_key, "app_secret": issued.app_secret}))


@apps.command("revoke")
def apps_revoke(app_key: str = typer.Argument(..., help="The AppKey to revoke.")) -> None:
    """Revoke an app: every request signed with its key is refused from now on."""
    from hive.cli_names import APP_KEY
    from hive.launcher import revoke_open_app

    _check_names(("APP_KEY", app_key, APP_KEY))
    _guarded(lambda settings: revoke_open_app(settings, app_key))
    typer.echo(f"revoked {app_key}")


@apps.command("limit")
def apps_limit(
    app_key: str = typer.Argument(..., help="The AppKey."),
    rate: float = typer.Option(..., "--rate", help="Requests per second (refill)."),
    burst: int = typer.Option(..., "--burst", help="Bucket size (requests at once)."),
) -> None:
    """Override an app's rate limit (per route group) over its grade's."""
    from hive.cli_names import APP_KEY
    from hive.launcher import limit_open_app
    from hive.openapi.schemas import RateLimitSet

    _check_names(("APP_KEY", app_key, APP_KEY))
    try:
        limit = RateLimitSet(rate_per_s=rate, burst=burst)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise _fail(f"invalid limit: {problems}") from None
    _guarded(lambda settings: limit_open_app(settings, app_key, limit))
    typer.echo(f"{app_key}: {limit.rate_per_s}/s, burst {limit.burst}")


accounts = typer.Typer(help="Tenant balance accounts: top-ups by finance (docs/billing.md).")
app.add_typer(accounts, name="accounts")


@accounts.command("top-up")
def accounts_top_up(
    tenant: str = typer.Option(..., "--tenant", help="The tenant's code, e.g. acme."),
    amount_fen: int = typer.Option(..., "--amount-fen", help="Amount received, in fen (> 0)."),
    note: str = typer.Option(..., "--note", help="What was received (bank reference …)."),
) -> None:
    """Credit money received from a tenant to its prepaid balance (audited as finance)."""
    from hive.cli_names import TENANT
    from hive.launcher import top_up_account
    from hive.platform.money import format_yuan

    _check_names(("--tenant", tenant, TENANT))
    after = _guarded(lambda settings: top_up_account(settings, tenant, amount_fen, note))
    typer.echo(
        f"topped up {tenant}: available {format_yuan(after.available_fen)} yuan, "
        f"frozen {format_yuan(after.frozen_fen)} yuan"
    )


@apps.command("grade-limit")
def apps_grade_limit(
    grade: str = typer.Option(..., "--grade", help="The customer grade's name, e.g. 金牌."),
    rate: float = typer.Option(..., "--rate", help="Requests per second (refill)."),
    burst: int = typer.Option(..., "--burst", help="Bucket size (requests at once)."),
) -> None:
    """Set the rate limit (per app and route group) of every app of a grade's tenants."""
    from hive.cli_names import GRADE_NAME
    from hive.launcher import limit_grade
    from hive.openapi.schemas import RateLimitSet

    _check_names(("--grade", grade, GRADE_NAME))
    try:
        limit = RateLimitSet(rate_per_s=rate, burst=burst)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise _fail(f"invalid limit: {problems}") from None
    _guarded(lambda settings: limit_grade(settings, grade, limit))
    typer.echo(f"{grade}: {limit.rate_per_s}/s, burst {limit.burst}")


grades = typer.Typer(help="Customer grades: create one with its code (docs/pricing.md).")
app.add_typer(grades, name="grades")


@grades.command("create")
def grades_create(
    code: str = typer.Option(
        ..., "--code", help="Unique code: a-z first, then a-z, 0-9 or -, 2-32 long, e.g. gold."
    ),
    name: str = typer.Option(..., "--name", help="The grade's name, e.g. 金牌."),
    coefficient: str = typer.Option(
        ..., "--coefficient", help="Price coefficient, 0 < c < 100, up to 4 decimals, e.g. 0.95."
    ),
    description: str = typer.Option("", "--description", help="What the grade is for."),
) -> None:
    """Create a customer grade (audited) and start the full reprice that prices it; prints
    its code."""
    from hive.grade_commands import create_grade, read_grade
    from hive.launcher import refusal_line
    from hive.platform.errors import HiveError

    try:
        data = read_grade(code, name, coefficient, description)
    except HiveError as error:
        raise _fail(refusal_line(error)) from None
    made = _guarded(lambda settings: create_grade(settings, data))
    typer.echo(
        f"created grade {made.code} ({made.name}), coefficient {made.coefficient}, "
        f"id {made.id}; its prices are computed by the reprice job {made.reprice_id}"
    )


orders = typer.Typer(
    help="Orders: the invariant check, syncing sub-orders, re-encrypting receivers "
    "(docs/orders.md)."
)
app.add_typer(orders, name="orders")


@orders.command("check")
def orders_check(
    days: int = typer.Option(
        7, "--days", min=0, max=36_500, help="Sub-orders of the last N days (0: all)."
    ),
) -> None:
    """Check the books and that every placed sub-order has exactly one upstream order; prints
    the findings as JSON and exits 1 when anything is broken."""
    import json

    from hive.launcher import check_orders

    report = _guarded(lambda settings: check_orders(settings, days))
    typer.echo(json.dumps({"holds": report.holds, **report.summary()}, ensure_ascii=False))
    if not report.holds:
        raise typer.Exit(code=1)


_SUB_ORDER_NUMBERS = typer.Argument(..., help="Sub-order numbers, e.g. HV0000000042-01.")


@orders.command("sync")
def orders_sync(numbers: list[str] = _SUB_ORDER_NUMBERS) -> None:
    """Read these sub-orders from their suppliers now and apply what changed (a lost message:
    status, split, waybills), as reconciliation does; prints what each did and exits 1 when
    one is unknown or could not be read."""
    from hive.cli_names import SUB_ORDER_NO
    from hive.launcher import sync_orders

    _check_names(*(("NUMBERS", number, SUB_ORDER_NO) for number in numbers))

    done = _guarded(lambda settings: sync_orders(settings, numbers))
    for number, what in done.items():
        typer.echo(f"{number}: {what}")
    if any(what == "unknown" or what.startswith("error") for what in done.values()):
        raise typer.Exit(code=1)


@orders.command("reencrypt-receivers")
def reencrypt_receivers(
    batch_size: int = typer.Option(500, min=1, max=10_000, help="Orders per committed batch."),
) -> None:
    """Rewrite every order's receiver (name, mobile, address) under HIVE_SECRET_KEY after a
    rotation, in committed batches; run it again after an interruption and it carries on.

    Receivers made with HIVE_PREVIOUS_SECRET_KEYS are decrypted and encrypted again;
    afterwards (and after `hive reencrypt-secrets`) the previous keys can be removed.
    """
    from hive.launcher import reencrypt_receivers as run

    done = _guarded(lambda settings: run(settings, batch_size))
    typer.echo(f"re-encrypted {done.rewritten} receivers in {done.batches} batches")


@app.command("vop-sim")
def vop_sim() -> None:
    """Serve the JD VOP simulator, a sandbox supplier (HIVE_VOP_SIM_PORT, default 8002)."""
    from hive.launcher import serve_vop_simulator

    _guarded(serve_vop_simulator)


def main() -> None:
    from hive.supervisor import follow_supervisor

    follow_supervisor()
    # Loading is over; a stop while typer chooses the command is held for the command
    # (`_commands_own_signals`).
    hold_stops()
    asyncio.set_event_loop_policy(None)
    app()
