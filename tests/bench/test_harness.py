"""The benchmarks' own arithmetic: calls counted at the HTTP client, the rate ceiling and the
RESULT line. A benchmark that cannot fail is worth nothing, so these check that it does."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("harness")
    finally:
        sys.path.remove(str(BENCH))


async def test_only_answered_supplier_calls_are_counted(harness: ModuleType) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refused"):
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"success": True})

    calls = harness.SupplierCalls()
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        calls.attach(http)
        await http.post("http://sim/api/price/getSellPrice")
        await http.post("http://sim/api/price/getSellPrice")
        await http.post("http://sim/oauth2/accessToken")
        with pytest.raises(httpx.ConnectError):
            await http.post("http://sim/api/refused")

    assert {method: len(sent) for method, sent in calls.sent.items()} == {"price/getSellPrice": 2}


def test_the_ceiling_is_burst_plus_limit_times_elapsed(harness: ModuleType) -> None:
    at_ceiling = harness.RateBudget("m", calls=110, elapsed_s=10.0, qps=10.0)
    over = harness.RateBudget("m", calls=111, elapsed_s=10.0, qps=10.0)

    assert at_ceiling.ceiling == 110.0
    assert at_ceiling.within_ceiling
    assert at_ceiling.ratio == 1.0
    assert not over.within_ceiling
    assert over.ratio == pytest.approx(1.01)


def test_calls_above_the_ceiling_are_not_met(
    harness: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    over = harness.RateBudget("m", calls=300, elapsed_s=10.0, qps=10.0)

    with pytest.raises(SystemExit) as exit_info:
        harness.report_budgets("demo", [over], 0.9)

    assert exit_info.value.code == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "RESULT demo: ratio_to_limit=2.900 goal >= 0.9 and <= 1.0 not met"


def test_a_rate_at_the_limit_is_met(
    harness: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.report_budgets("demo", [harness.RateBudget("m", 105, 10.0, 10.0)], 0.9)

    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "RESULT demo: ratio_to_limit=0.950 goal >= 0.9 and <= 1.0 met"


def test_a_slow_rate_is_not_met(harness: ModuleType) -> None:
    with pytest.raises(SystemExit):
        harness.report_budgets("demo", [harness.RateBudget("m", 50, 10.0, 10.0)], 0.9)


def test_the_unlimited_rate_runs_from_the_first_call_to_the_last(harness: ModuleType) -> None:
    calls = harness.SupplierCalls()
    calls.sent["a"] = [10.0, 10.5, 11.0, 12.0]  # 3 intervals in 2 s
    calls.sent["b"] = [10.0, 11.0, 14.0]  # 2 intervals in 4 s: the slowest
    calls.sent["b"].append(99.0)  # outside the window

    assert harness.unlimited_rate(calls, ("a", "b"), 9.0, 20.0) == 0.5


def test_failed_calls_are_not_met_even_at_the_limit(
    harness: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a limiter the supplier refuses calls and the breaker opens: a run that lost
    calls is not met, however its answered calls compare with the limit."""
    at_limit = harness.RateBudget("m", 105, 10.0, 10.0)

    with pytest.raises(SystemExit) as exit_info:
        harness.report_budgets("demo", [at_limit], 0.9, failed={"supplier_circuit_open": 3})

    assert exit_info.value.code == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert "  3 failed, by code: {'supplier_circuit_open': 3}" in out
    assert out[-1] == (
        "RESULT demo: ratio_to_limit=0.950 (3 failed) goal >= 0.9 and <= 1.0 not met"
    )
