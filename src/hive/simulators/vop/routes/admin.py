"""Admin endpoints (JSON): faults, token expiry, balance, clock. Not part of VOP."""

from __future__ import annotations

import json
import math

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.config import FaultSettings
from hive.simulators.vop.simulator import Simulator

# Ten years: beyond any order schedule, far inside what a float clock adds exactly.
MAX_CLOCK_STEP_S = 10 * 365 * 86400


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.simulator
    return sim


def _refused(detail: str, status: int = 400) -> Response:
    return JSONResponse({"error": detail}, status_code=status)


async def _json_body(request: Request) -> dict[str, object] | None:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def state(request: Request) -> Response:
    sim = _sim(request)
    now = sim.clock.now()
    return JSONResponse(
        {
            "now": format_wire_time(now),
            "epoch": now,
            "manualClock": sim.clock.manual,
            "skuCount": sim.catalog.size,
            "faults": sim.faults.settings.model_dump(),
        }
    )


async def faults(request: Request) -> Response:
    sim = _sim(request)
    body = await _json_body(request)
    if body is None:
        return _refused("body must be a JSON object")
    merged = {**sim.faults.settings.model_dump(), **body}
    try:
        settings = FaultSettings.model_validate(merged)
    except ValidationError as exc:
        return _refused(str(exc))
    sim.faults.update(settings)
    return JSONResponse(settings.model_dump())


async def expire_tokens(request: Request) -> Response:
    return JSONResponse({"expired": _sim(request).auth.expire_all()})


async def advance_clock(request: Request) -> Response:
    sim = _sim(request)
    if not sim.config.manual_clock:
        return _refused("clock control needs HIVE_VOP_SIM_MANUAL_CLOCK=true", 403)
    body = await _json_body(request)
    seconds = body.get("seconds") if body else None
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not math.isfinite(seconds)
        or not 0 <= seconds <= MAX_CLOCK_STEP_S
    ):
        return _refused(f"seconds must be a number from 0 to {MAX_CLOCK_STEP_S}")
    sim.clock.advance(float(seconds))
    sim.tick()
    return JSONResponse({"now": format_wire_time(sim.clock.now()), "epoch": sim.clock.now()})
