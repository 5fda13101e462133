"""Domains declare what they bring; the platform collects it from one list.

A business domain (catalog, suppliers, the change feed, …) declares in its own package, in
``domain.py``, one :class:`Domain`: the modules holding its tables, its job modules, its HTTP
routers per application, the modules whose import subscribes its change-feed handlers, its
start-up hooks and its console menu entries. ``hive.domains.DOMAINS`` lists every domain once;
the HCM and HAG applications, the worker and the migrations' metadata are built from that
list, so adding a domain means writing its ``domain.py`` and adding it to that one list.

Everything is named by import path (``"package.module"`` or ``"package.module:attribute"``), so
reading the list imports nothing: a migration does not import the console, and a domain's
routers are imported only by the application that serves them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, FastAPI

if TYPE_CHECKING:
    from hive.platform.config import Settings
    from hive.platform.jobs import JobRuntime

AppName = Literal["hcm", "hag"]

# Opens what a domain needs for an application's lifetime (e.g. the upstream search cache).
AppResources = Callable[[FastAPI, "Settings"], AbstractAsyncContextManager[None]]


# Run once when a worker process starts, with the runtime every job of the process shares.
WorkerHook = Callable[["JobRuntime"], None]


@dataclass(frozen=True, slots=True)
class Domain:
    """What one business domain brings to the platform (all as import paths)."""

    name: str
    # Modules that declare tables on ``hive.platform.db.Base`` (the migrations' metadata).
    models: Sequence[str] = ()
    # Modules that declare procrastinate tasks on ``hive.platform.jobs.job_app``.
    tasks: Sequence[str] = ()
    # ``module:attribute`` of the APIRouters served by the console (HCM) and the gateway (HAG).
    hcm_routers: Sequence[str] = ()
    hag_routers: Sequence[str] = ()
    # ``module:function`` (app, settings) -> async context manager, entered at HCM start-up.
    hcm_resources: Sequence[str] = ()
    # The same for HAG, and ``module:Class`` ASGI middleware HAG wraps its routes in.
    hag_resources: Sequence[str] = ()
    hag_middleware: Sequence[str] = ()
    # Modules whose import subscribes the domain's handlers to the supplier change feed.
    feed_handlers: Sequence[str] = ()
    # ``module:function`` (JobRuntime) -> None, run once when a worker starts.
    worker_startup: Sequence[str] = ()
    # ``module:attribute`` of lists of ``hive.console.menu.MenuEntry``: the domain's console
    # menu entries (shown to the roles that may open their view).
    menu: Sequence[str] = ()


def resolve(path: str) -> Any:
    """The object named ``module:attribute``."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"{path!r} is not of the form module:attribute")
    return getattr(importlib.import_module(module_name), attribute)


def _unique(paths: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def model_modules(domains: Sequence[Domain]) -> list[str]:
    return _unique(path for domain in domains for path in domain.models)


def task_modules(domains: Sequence[Domain]) -> list[str]:
    return _unique(path for domain in domains for path in domain.tasks)


def feed_handler_modules(domains: Sequence[Domain]) -> list[str]:
    return _unique(path for domain in domains for path in domain.feed_handlers)


def router_paths(domains: Sequence[Domain], app: AppName) -> list[str]:
    return _unique(
        path
        for domain in domains
        for path in (domain.hcm_routers if app == "hcm" else domain.hag_routers)
    )


def import_models(domains: Sequence[Domain]) -> None:
    """Import every domain's tables, so ``Base.metadata`` holds the whole schema."""
    for module in model_modules(domains):
        importlib.import_module(module)


def routers(domains: Sequence[Domain], app: AppName) -> list[APIRouter]:
    collected: list[APIRouter] = []
    for path in router_paths(domains, app):
        router = resolve(path)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{path} is not an APIRouter")
        collected.append(router)
    return collected


def hcm_resources(domains: Sequence[Domain]) -> list[AppResources]:
    return [resolve(path) for domain in domains for path in domain.hcm_resources]


def hag_resources(domains: Sequence[Domain]) -> list[AppResources]:
    return [resolve(path) for domain in domains for path in domain.hag_resources]


def hag_middleware(domains: Sequence[Domain]) -> list[Any]:
    """The ASGI middleware classes of every domain, in the order the domains are listed."""
    return [resolve(path) for domain in domains for path in domain.hag_middleware]


def start_worker(domains: Sequence[Domain], runtime: JobRuntime) -> None:
    """Subscribe every domain's feed handlers and run its worker start-up hooks; called before
    the first poll (a message that finds no handler is acknowledged as ignored)."""
    for module in feed_handler_modules(domains):
        importlib.import_module(module)
    for domain in domains:
        for path in domain.worker_startup:
            hook: WorkerHook = resolve(path)
            hook(runtime)
