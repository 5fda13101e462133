"""The simulator as an ASGI app: VOP methods under ``/api`` and ``/oauth2``, admin under
``/admin``. Business failures answer HTTP 200 with the envelope, never HTTP 500."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hive.simulators.vop import images
from hive.simulators.vop.amqp import AmqpPublisher
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.config import SimulatorConfig
from hive.simulators.vop.envelope import encode, envelope, failure, parse_form
from hive.simulators.vop.images import IMAGE_PREFIX
from hive.simulators.vop.routes import Handler, admin
from hive.simulators.vop.routes.registry import METHODS, PUBLIC_METHODS
from hive.simulators.vop.simulator import Simulator

logger = logging.getLogger(__name__)
JSON_TYPE = "application/json;charset=UTF-8"


def create_app(config: SimulatorConfig) -> Starlette:
    """A fresh simulator (state from ``config.state_path``) behind an ASGI app."""
    sim = Simulator(config)
    routes = [
        Route("/oauth2/{method}", _vop_endpoint(sim, "oauth2/", public=True), methods=["POST"]),
        Route("/api/{method:path}", _vop_endpoint(sim, "", public=False), methods=["POST"]),
        Route("/healthz", _healthz, methods=["GET"]),
        Route(IMAGE_PREFIX + "{path:path}", images.image, methods=["GET"]),
    ]
    if config.admin_enabled:
        routes += [
            Route("/admin/state", admin.state, methods=["GET"]),
            Route("/admin/faults", admin.faults, methods=["POST"]),
            Route("/admin/tokens/expire", admin.expire_tokens, methods=["POST"]),
            Route("/admin/clock/advance", admin.advance_clock, methods=["POST"]),
        ]
    app = Starlette(routes=routes, lifespan=_lifespan)
    app.state.simulator = sim
    return app


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _vop_endpoint(
    sim: Simulator, prefix: str, *, public: bool
) -> Callable[[Request], Awaitable[Response]]:
    table = PUBLIC_METHODS if public else METHODS

    async def endpoint(request: Request) -> Response:
        method = prefix + request.path_params["method"]
        handler = table.get(method)
        body = await _answer(sim, request, method, handler, public=public)
        hold = sim.faults.hold_s()
        if hold:
            await asyncio.sleep(hold)
        status = 404 if handler is None else 200
        return Response(encode(body), status_code=status, media_type=JSON_TYPE)

    return endpoint


async def _answer(
    sim: Simulator, request: Request, method: str, handler: Handler | None, *, public: bool
) -> dict[str, object]:
    try:
        if handler is None:
            raise VopError(Code.BAD_PARAMETER, f"unknown method {method}")
        form = parse_form(await request.body(), request.url.query)
        sim.faults.refuse(method)
        delay = sim.faults.latency_s()
        if delay:
            await asyncio.sleep(delay)
        if not public:
            token = form.get("token", "").strip()
            if not token:
                raise VopError(Code.TOKEN_INVALID, "token is required")
            sim.auth.check(token)
        sim.tick()
        return envelope(handler(sim, form))
    except VopError as error:
        return failure(error)
    except Exception:
        logger.exception("vop-sim: %s failed", method)
        return failure(VopError(Code.SERVICE_ERROR))


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    sim: Simulator = app.state.simulator
    publisher = None
    if sim.config.amqp_url:
        publisher = AmqpPublisher(sim.config.amqp_url, sim.config.amqp_exchange)
        sim.feed.listeners.append(publisher.listener)
        await publisher.start()
    ticker = None if sim.clock.manual else asyncio.create_task(_tick_forever(sim))
    try:
        yield
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        if publisher is not None:
            await publisher.stop()
        sim.close()


async def _tick_forever(sim: Simulator) -> None:
    """With a real clock, drift and order progress happen even when nobody calls."""
    while True:
        await asyncio.sleep(sim.config.tick_interval_s)
        try:
            sim.tick()
        except Exception:
            logger.exception("vop-sim: tick failed")
