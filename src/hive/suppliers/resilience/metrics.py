"""Prometheus metrics of supplier calls, per supplier and method."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SUPPLIER_CALLS = Counter("hive_supplier_calls_total", "Calls to suppliers", ["supplier", "method"])
SUPPLIER_ERRORS = Counter(
    "hive_supplier_errors_total",
    "Failed supplier calls by error code",
    ["supplier", "method", "code"],
)
SUPPLIER_LATENCY = Histogram(
    "hive_supplier_call_duration_seconds",
    "Supplier call latency (one HTTP exchange)",
    ["supplier", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SUPPLIER_RETRIES = Counter(
    "hive_supplier_retries_total", "Retried supplier calls", ["supplier", "method"]
)
BREAKER_STATE = Gauge(
    "hive_supplier_breaker_state",
    "Circuit breaker state (0 closed, 1 half-open, 2 open)",
    ["supplier", "method"],
)
