"""One settings class for the whole platform, read from ``HIVE_*`` environment variables."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

LogFormat = Literal["auto", "console", "json"]
IPNetwork = IPv4Network | IPv6Network


class Settings(BaseSettings):
    """Every tunable of Hive. Defaults are for a developer's machine."""

    model_config = SettingsConfigDict(env_prefix="HIVE_", env_file=".env", extra="ignore")

    # Database: empty means "start the embedded PostgreSQL under data_dir".
    database_url: str = ""
    data_dir: Path = Path(".hive")
    # Connections a process keeps (opened as needed, then kept) and extra ones it may open
    # beyond them, each closed as soon as it is returned while the kept ones are idle. The
    # default keeps all 20 and opens none extra: a busy gateway's demand swings around any
    # smaller kept number, so extra connections were closed and reopened all the time (a
    # backend started and its caches and prepared statements warmed again each time).
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)

    # HTTP processes.
    host: str = "127.0.0.1"
    hcm_port: int = Field(default=8000, ge=1, le=65535)
    hag_port: int = Field(default=8001, ge=1, le=65535)
    vop_sim_port: int = Field(default=8002, ge=1, le=65535)
    # The worker's /metrics (HIVE_METRICS_ALLOW applies); 0: the worker serves no metrics.
    worker_metrics_port: int = Field(default=8003, ge=0, le=65535)
    secret_key: SecretStr = SecretStr("")
    # Secrets HIVE_SECRET_KEY replaced (comma-separated): they still decrypt what they encrypted.
    previous_secret_keys: SecretStr = SecretStr("")
    session_max_age_s: int = Field(default=8 * 3600, ge=60)
    # A session's "last seen" is written at most this often (not on every request).
    session_touch_interval_s: int = Field(default=60, ge=0, le=3600)
    secure_cookies: bool = False
    # Sign-in throttling: attempts allowed per account / per client address within the window;
    # one more locks the account (or address) for the lockout period.
    login_account_max_attempts: int = Field(default=5, ge=1, le=1000)
    login_address_max_attempts: int = Field(default=20, ge=1, le=100_000)
    login_window_s: int = Field(default=900, ge=1, le=86_400)
    login_lockout_s: int = Field(default=900, ge=1, le=86_400)
    # Sign-ins checked at once per process (the rest wait without a database connection).
    login_concurrency: int = Field(default=4, ge=1, le=256)
    # Throttled refusals per client address and process: this many at once, then this many a
    # second; the rest are held (a sleep, no CPU) so a refused flood cannot outrun the console.
    login_refusal_burst: int = Field(default=30, ge=1, le=100_000)
    login_refusals_per_s: float = Field(default=10.0, gt=0, le=100_000, allow_inf_nan=False)
    # Password hashes computed at once (each in a worker thread, off the event loop).
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Their threads' nice value (0-19; higher: the event loop's requests go first).
    password_hash_nice: int = Field(default=10, ge=0, le=19)
    # Who may read /metrics: comma-separated addresses or networks (empty: nobody).
    metrics_allow: str = "127.0.0.1/32,::1/128"

    # Optional components.
    redis_url: str = ""
    amqp_url: str = ""

    # Product images in the console: fetched from the supplier once, cached under data_dir.
    # A relative image path of a VOP supplier is resolved against this base; empty means the
    # supplier's own address + /images/n1/ (the simulator); JD: https://img13.360buyimg.com/n1/
    vop_image_base_url: str = ""
    image_fetch_timeout_s: float = Field(default=5.0, gt=0, le=60)
    image_max_bytes: int = Field(default=2_000_000, ge=1024)

    # Console exports run as jobs (hive.console.export_jobs): the files they write live under
    # export_dir (empty: data_dir/exports) for export_ttl_hours, then the hourly purge deletes
    # them; an export of more than export_confirm_rows rows is asked first.
    export_dir: Path = Path("")
    export_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    export_confirm_rows: int = Field(default=5_000, ge=0)

    # Supplier calls (adapters' resilience); per-supplier QPS lives in the supplier registry.
    supplier_timeout_s: float = Field(default=10.0, gt=0, le=300)
    supplier_retry_attempts: int = Field(default=3, ge=1, le=10)
    supplier_retry_base_s: float = Field(default=0.2, ge=0)
    supplier_retry_max_s: float = Field(default=5.0, ge=0)
    supplier_default_qps: float = Field(default=50.0, gt=0)
    supplier_breaker_failures: int = Field(default=5, ge=1)
    supplier_breaker_reset_s: float = Field(default=30.0, gt=0)
    supplier_bulkhead_size: int = Field(default=16, ge=1, le=1000)
    supplier_bulkhead_wait_s: float = Field(default=5.0, ge=0)
    supplier_token_refresh_margin_s: float = Field(default=600.0, ge=0)

    # Worker process: Python's collector runs its youngest generation after this many new
    # container objects (Python's own default is 700; 0 keeps Python's defaults).
    worker_gc_threshold: int = Field(default=20_000, ge=0, le=10_000_000)

    # Supplier change feed (polled by the worker unless a supplier pushes through RabbitMQ).
    feed_poll_interval_s: float = Field(default=5.0, gt=0, le=3600)
    feed_max_attempts: int = Field(default=5, ge=1, le=100)
    feed_redelivery_delay_s: float = Field(default=1.0, ge=0, le=600)
    feed_batch_size: int = Field(default=1000, ge=1, le=10000)
    feed_after_commit_concurrency: int = Field(default=4, ge=1, le=64)
    feed_refresh_fallback_delay_s: float = Field(default=60, ge=0, le=3600)
    feed_inline_in_flight: int = Field(default=4, ge=1, le=64)
    # The topic exchange a pushing supplier publishes to (the simulator's by default).
    feed_amqp_exchange: str = Field(default="hive.vop-sim.messages", min_length=1, max_length=255)

    # Product pool.
    # Delivery areas whose stock the pool keeps ("province_city_county_town", comma-separated).
    pool_stock_areas: str = Field(
        default="1_72_2799_0", pattern=r"^\d+_\d+_\d+_\d+(,\d+_\d+_\d+_\d+)*$"
    )
    upstream_search_timeout_s: float = Field(default=5.0, gt=0, le=60)
    upstream_search_cache_ttl_s: float = Field(default=60.0, ge=0, le=3600)
    # Most hits one "select every hit" job handles (the supplier's search answers 100 pages of
    # 100 hits at most); the confirmation states it and the job reports the rest as skipped.
    upstream_select_all_limit: int = Field(default=10_000, ge=1, le=10_000)

    # Pricing (docs/pricing.md): the minimum margin over the purchase price, in percent, of
    # categories that set none (the floor); products per statement of a full reprice job.
    pricing_min_margin_percent: Decimal = Field(default=Decimal("1"), ge=0, le=1000)
    pricing_reprice_chunk: int = Field(default=20_000, ge=100, le=1_000_000)
    # A rule-change preview over more products than this runs as a job with progress (chunks of
    # pricing_reprice_chunk) instead of in the request.
    pricing_preview_inline_max: int = Field(default=50_000, ge=0, le=100_000_000)

    # Open API gateway (docs/open-api.md). A signed request's timestamp may differ from the
    # gateway's clock by this much either way; its nonce is remembered as long.
    open_api_timestamp_window_s: int = Field(default=300, ge=30, le=3600)
    # After a rotation the previous AppSecret keeps signing this long.
    open_api_secret_overlap_s: int = Field(default=86_400, ge=0, le=30 * 86_400)
    # A gateway process keeps an app (key, scopes, secrets) this long before reading it again:
    # a revocation or rotation takes effect within it (0: read on every request).
    open_api_app_cache_s: float = Field(default=2.0, ge=0, le=300)
    # Rate limit per app and route group for grades without their own (requests/s, burst).
    open_api_rate_per_s: float = Field(default=20.0, gt=0, le=100_000)
    open_api_burst: int = Field(default=40, ge=1, le=1_000_000)
    # Where Open API answers point product pictures (…/<name> is appended): a CDN or the
    # gateway's public address ending in /open/v1/images; empty: the address a caller used.
    open_api_image_base_url: str = Field(default="", pattern=r"^(https?://[^\s?#]+)?$")
    # The gateway's public address as tenants reach it (e.g. https://open.example.com), for the
    # workbench's link to its API reference page; empty: the console's host on HAG's port.
    open_api_public_url: str = Field(default="", pattern=r"^(https?://[^\s?#]+)?$")
    # How long an Idempotency-Key's first answer is kept.
    open_api_idempotency_ttl_s: int = Field(default=86_400, ge=60, le=30 * 86_400)

    # Order sync (docs/orders.md): a sub-order accepted but not placed upstream after
    # `order_unsubmitted_timeout_s`, or placed but not confirmed after
    # `order_unconfirmed_timeout_s`, is timed out (cancelled upstream if there, money released).
    order_unsubmitted_timeout_s: int = Field(default=30 * 60, ge=60, le=7 * 86_400)
    order_unconfirmed_timeout_s: int = Field(default=2 * 3600, ge=60, le=30 * 86_400)
    # Reconciliation reads at most this many unfinished sub-orders from their suppliers per
    # run (every 5 minutes), the longest unchecked first; the timeout job as many per kind.
    order_reconcile_batch: int = Field(default=50, ge=1, le=1000)

    # Webhooks (docs/webhooks.md). Receivers on loopback addresses (and plain http to them) are
    # refused unless allowed: `hive up` (a developer's machine) and the tests allow them. Private
    # and link-local networks are refused unless allowed (SSRF); both are checked again at every
    # attempt, since a name's addresses can change.
    webhook_allow_loopback: bool = False
    webhook_allow_private_networks: bool = False
    # One attempt's whole time (connect, send, answer) before it counts as a timeout.
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # A claimed delivery is another worker's to retry after this long (a worker that died).
    webhook_lease_s: float = Field(default=120.0, gt=0, le=3600)
    # The wait before each retry after a failed attempt, in seconds (exponential backoff); they
    # must add up to at least a day. After the last retry fails the delivery is dead.
    webhook_retry_delays_s: tuple[int, ...] = (
        30, 60, 120, 300, 600, 1200, 2400, 3600, 7200, 14400, 21600, 28800, 28800
    )  # fmt: skip
    # Per endpoint: this many failed attempts in a row open its breaker for the reset time
    # (then one probe goes through); failing without a success this long pauses it.
    webhook_breaker_failures: int = Field(default=5, ge=1, le=1000)
    webhook_breaker_reset_s: float = Field(default=60.0, gt=0, le=86_400)
    webhook_pause_after_s: float = Field(default=86_400.0, gt=0, le=30 * 86_400)
    # Attempts in flight per worker pump, and per endpoint at once.
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    webhook_endpoint_concurrency: int = Field(default=2, ge=1, le=64)
    # Events read per subscription, deliveries claimed per round.
    webhook_batch_size: int = Field(default=200, ge=1, le=5000)
    # Characters of a receiver's answer kept with each attempt.
    webhook_response_body_max: int = Field(default=2048, ge=0, le=65_536)
    webhook_max_subscriptions_per_app: int = Field(default=20, ge=1, le=1000)
    # Finished deliveries (delivered, dead, cancelled) and their attempts are kept this long.
    webhook_log_retention_days: int = Field(default=30, ge=1, le=3650)

    # Jobs.
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    # Whether the worker defers the periodic jobs (the nightly calibration, the refresh every
    # 30 minutes, housekeeping; docs/jobs.md). Off, it only runs the jobs it finds queued: a
    # worker of its own for one queue, or a test's worker, which must not run the nightly
    # calibration because it happened to start at 18:30 UTC.
    worker_periodic: bool = True
    # A worker writes a heartbeat this often; one silent for ``worker_stalled_after_s`` is taken
    # for dead, and the jobs it was running go back to the queue (docs/jobs.md). A job whose
    # worker died under it ``job_max_stalls`` times is failed instead: it may be what kills it.
    worker_heartbeat_interval_s: float = Field(default=10.0, gt=0, le=600)
    worker_stalled_after_s: float = Field(default=60.0, gt=0, le=86_400)
    job_max_stalls: int = Field(default=3, ge=1, le=100)

    # `hive up` supervision (docs/processes.md). A child that exits is restarted after a
    # backoff that starts at `up_restart_backoff_s` and doubles with each crash inside the
    # window, up to `up_restart_backoff_max_s`; `up_crash_limit` crashes of one child within
    # `up_crash_window_s` stop the platform.
    up_restart_backoff_s: float = Field(default=0.5, ge=0, le=60)
    up_restart_backoff_max_s: float = Field(default=30.0, ge=0, le=3600)
    up_crash_limit: int = Field(default=5, ge=1, le=1000)
    up_crash_window_s: float = Field(default=60.0, gt=0, le=86400)
    # Every HTTP process must answer /healthz within this time of being started.
    up_startup_deadline_s: float = Field(default=60.0, gt=0, le=3600)
    # On stop, children get SIGTERM and this long to exit before they are killed; the
    # embedded PostgreSQL gets as long for a fast shutdown.
    up_stop_grace_s: float = Field(default=10.0, gt=0, le=600)
    # Lines of each child's recent output kept to explain a crash loop.
    up_log_tail_lines: int = Field(default=20, ge=1, le=1000)
    # How often the supervisor looks at its children and its stop signals.
    up_poll_interval_s: float = Field(default=0.2, gt=0, le=5)

    # Logging.
    log_level: str = "INFO"
    log_format: LogFormat = "auto"

    @field_validator("database_url")
    @classmethod
    def _database_url_is_postgresql(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in ("postgresql", "postgres"):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _metrics_allow_is_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return upper

    @model_validator(mode="after")
    def _stall_outlasts_heartbeats(self) -> Settings:
        if self.worker_stalled_after_s < 2 * self.worker_heartbeat_interval_s:
            raise ValueError(
                "worker_stalled_after_s must be at least twice worker_heartbeat_interval_s "
                "(a live worker must never look dead)"
            )
        return self

    @field_validator("webhook_retry_delays_s")
    @classmethod
    def _retries_span_a_day(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(not 1 <= delay <= 7 * 86_400 for delay in value):
            raise ValueError("must be one or more delays of 1 s to 7 days")
        if any(later < earlier for earlier, later in pairwise(value)):
            raise ValueError("must not get shorter (exponential backoff)")
        if sum(value) < 86_400:
            raise ValueError("must add up to at least 86400 s (retries span a day)")
        return value

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Settings:
        if self.webhook_lease_s <= self.webhook_timeout_s:
            raise ValueError("webhook_lease_s must be longer than webhook_timeout_s")
        return self

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url

    @property
    def metrics_networks(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.metrics_allow)

    @property
    def pgdata_dir(self) -> Path:
        return (self.data_dir / "pgdata").resolve()

    @property
    def exports_dir(self) -> Path:
        """Where export files are written (``export_dir``, else ``data_dir/exports``)."""
        chosen = self.export_dir if str(self.export_dir) not in ("", ".") else None
        return (chosen or self.data_dir / "exports").resolve()


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks (``10.0.0.0/8``, ``::1``); empty gives none."""
    networks = []
    for part in value.split(","):
        if part.strip():
            try:
                networks.append(ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"not an address or network: {part.strip()!r}") from None
    return tuple(networks)


def async_database_url(url: str) -> URL:
    """The SQLAlchemy URL for a PostgreSQL URL, forced onto the async psycopg 3 driver."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg")


def libpq_url(url: str) -> str:
    """A plain ``postgresql://`` URL that libpq (psycopg, procrastinate) understands."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def default_of(name: str) -> Any:
    """The default of setting ``name``: modules that take the setting as an argument use it as
    their own default, so every default lives in :class:`Settings` only."""
    return Settings.model_fields[name].get_default(call_default_factory=True)
