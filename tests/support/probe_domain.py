"""A small domain that exists only in tests: proves that a domain added to the list is served,
opened, subscribed and started without editing any central module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse

from hive.platform.config import Settings
from hive.platform.domains import Domain
from hive.platform.jobs import JobRuntime

router = APIRouter()
started: list[JobRuntime] = []


@router.get("/probe-domain")
async def probe(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"probe {getattr(request.app.state, 'probe_resource', 'none')}")


@asynccontextmanager
async def probe_resource(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    app.state.probe_resource = "open"
    yield
    app.state.probe_resource = "closed"


def on_worker_start(runtime: JobRuntime) -> None:
    started.append(runtime)


PROBE = Domain(
    name="probe",
    hcm_routers=["tests.support.probe_domain:router"],
    hag_routers=["tests.support.probe_domain:router"],
    hcm_resources=["tests.support.probe_domain:probe_resource"],
    feed_handlers=["tests.support.probe_feed"],
    worker_startup=["tests.support.probe_domain:on_worker_start"],
)
