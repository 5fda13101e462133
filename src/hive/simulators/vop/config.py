"""Settings of the VOP simulator, read from ``HIVE_VOP_SIM_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LatencyDistribution = Literal["fixed", "uniform", "exponential"]
MethodPath = Annotated[str, Field(max_length=64)]
QpsLimit = Annotated[float, Field(gt=0, le=1_000_000)]


class FaultSettings(BaseModel):
    """Faults injected on demand; changeable at run time through ``POST /admin/faults``.

    Every number is finite and bounded: a JSON ``1e309`` (infinity once parsed) is refused
    rather than kept, where it would break every later answer until a reset.
    """

    model_config = ConfigDict(allow_inf_nan=False)

    latency_ms: float = Field(default=0.0, ge=0, le=600_000)
    latency_distribution: LatencyDistribution = "fixed"
    # A "timeout" processes the call, then holds the answer back this long (the client gives up,
    # yet the side effect happened: exactly the case ``selectJdOrderIdByThirdOrder`` exists for).
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_hold_s: float = Field(default=30.0, ge=0, le=3600)
    error_5001_rate: float = Field(default=0.0, ge=0, le=1)
    # Per-method QPS limits, keyed by method path such as ``search/search`` ("*" = every method).
    qps_limits: dict[
        Annotated[str, Field(max_length=64)], Annotated[float, Field(gt=0, le=1e6)]
    ] = Field(default_factory=dict, max_length=64)
    duplicate_message_rate: float = Field(default=0.0, ge=0, le=1)
    # A dropped message is left out of one ``message/get`` batch; undeleted, it comes back.
    drop_message_rate: float = Field(default=0.0, ge=0, le=1)
    reorder_messages: bool = False


class OrderSchedule(BaseModel):
    """Seconds after confirmation at which an order moves on (all measured from confirmation)."""

    model_config = ConfigDict(allow_inf_nan=False)

    split_after_s: float = Field(default=30.0, ge=0)
    production_after_s: float = Field(default=120.0, ge=0)
    ship_after_s: float = Field(default=1800.0, ge=0)
    deliver_after_s: float = Field(default=86400.0, ge=0)
    complete_after_s: float = Field(default=7 * 86400.0, ge=0)
    # Unconfirmed reserve-mode orders are cancelled this long after submission (message 15).
    auto_cancel_after_s: float = Field(default=86400.0, ge=1)
    # Each after-sale service step lasts this long before the next one.
    afs_step_after_s: float = Field(default=3600.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> OrderSchedule:
        steps = [
            self.split_after_s,
            self.production_after_s,
            self.ship_after_s,
            self.deliver_after_s,
            self.complete_after_s,
        ]
        if steps != sorted(steps):
            raise ValueError("order schedule must be split <= production <= ship <= deliver")
        return self


class SimulatorConfig(BaseSettings):
    """Every tunable of the simulator. Defaults are for a developer's machine."""

    model_config = SettingsConfigDict(
        env_prefix="HIVE_VOP_SIM_", env_nested_delimiter="__", extra="ignore"
    )

    seed: int = 20240601
    min_sku_count: int = Field(default=20_000_000, ge=1)

    # Demo credentials (documented in docs/vop-simulator.md).
    client_id: str = "hive-demo"
    client_secret: str = "hive-demo-secret"  # noqa: S105 - public demo credential
    username: str = "hive"
    password: str = "hive-demo-password"  # noqa: S105 - public demo credential
    token_ttl_s: int = Field(default=86400, ge=1)
    refresh_token_ttl_s: int = Field(default=30 * 86400, ge=1)
    timestamp_window_s: int = Field(default=600, ge=1)

    # Drift: every interval, this fraction of the catalogue changes (capped per tick).
    drift_interval_s: float = Field(default=60.0, gt=0)
    drift_fraction: float = Field(default=0.000002, ge=0, le=1)
    drift_max_per_tick: int = Field(default=200, ge=0)
    drift_max_catchup_ticks: int = Field(default=30, ge=1)

    orders: OrderSchedule = Field(default_factory=OrderSchedule)
    faults: FaultSettings = Field(default_factory=FaultSettings)

    initial_balance_fen: int = Field(default=1_000_000_000, ge=0)
    pool_percent: int = Field(default=95, ge=0, le=100)
    message_batch_size: int = Field(default=100, ge=1, le=1000)
    search_max_page_size: int = Field(default=100, ge=1)
    # Search plans (what a filter set matches, with aggregates) kept for repeated searches;
    # a plan over the whole catalogue takes about 125 KB.
    search_plan_cache_size: int = Field(default=256, ge=0)
    sku_page_size: int = Field(default=1000, ge=1)

    amqp_url: str = ""
    amqp_exchange: str = "hive.vop-sim.messages"

    data_dir: Path = Path(".hive")
    state_file: Path | None = None

    # Admin endpoints (faults, token expiry, balance). Clock control only when asked for: a
    # manual clock stands still until ``POST /admin/clock/advance``.
    admin_enabled: bool = True
    manual_clock: bool = False
    # Where a manual clock starts (epoch seconds); empty = the moment the simulator starts.
    clock_start: float | None = None
    tick_interval_s: float = Field(default=1.0, gt=0)

    @property
    def state_path(self) -> Path:
        return self.state_file if self.state_file is not None else self.data_dir / "vop-sim.sqlite3"
