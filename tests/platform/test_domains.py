"""The domain list is the one place the applications, the worker and the migrations read."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

import hive
import hive.catalog.freshness.handlers
from hive.apps.hag import create_hag_app
from hive.apps.hcm import create_hcm_app
from hive.catalog import freshness
from hive.domains import DOMAINS
from hive.feed import handlers as feed_handlers
from hive.feed.handlers import HandlerRegistry
from hive.models import metadata
from hive.platform.config import Settings
from hive.platform.db import Base, Database
from hive.platform.domains import (
    model_modules,
    resolve,
    router_paths,
    routers,
    start_worker,
    task_modules,
)
from hive.platform.jobs import TASK_MODULES, JobRuntime, job_app
from hive.suppliers.types import MessageType
from tests.support import probe_domain
from tests.support.probe_domain import PROBE
from tests.support.servers import running_server

SOURCE = Path(hive.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text())
        for path in sorted(SOURCE.rglob("*.py"))
        if "simulators" not in path.parts
    }


def _declares_table(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id == "Base" for b in node.bases)
        for node in tree.body
    )


def _declares_task(tree: ast.Module) -> bool:
    return any(
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr == "task"
        and isinstance(decorator.func.value, ast.Name)
        and decorator.func.value.id == "job_app"
        for node in tree.body
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        for decorator in node.decorator_list
    )


def _module_routers(tree: ast.Module) -> list[str]:
    """Names bound at module level to ``APIRouter(...)``."""
    names = []
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "APIRouter"
        ):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


def test_domain_names_are_unique() -> None:
    names = [domain.name for domain in DOMAINS]
    assert len(names) == len(set(names))


def test_collected_tasks_models_and_routers_are_what_the_domains_declare() -> None:
    assert [module for domain in DOMAINS for module in domain.tasks] == TASK_MODULES
    assert job_app.import_paths == TASK_MODULES
    assert model_modules(DOMAINS) == [module for domain in DOMAINS for module in domain.models]
    for app in ("hcm", "hag"):
        declared = [
            resolve(path)
            for domain in DOMAINS
            for path in (domain.hcm_routers if app == "hcm" else domain.hag_routers)
        ]
        assert routers(DOMAINS, app) == declared


def test_every_table_module_is_declared_by_a_domain_and_in_the_metadata() -> None:
    declared = set(model_modules(DOMAINS))
    with_tables = {name for name, tree in _sources().items() if _declares_table(tree)}
    assert with_tables == declared
    owners = {mapper.class_.__module__ for mapper in Base.registry.mappers}
    assert declared <= owners
    mapped = {mapper.local_table.name for mapper in Base.registry.mappers}
    assert set(metadata.tables) == mapped


def test_every_task_module_is_declared_by_a_domain() -> None:
    with_tasks = {name for name, tree in _sources().items() if _declares_task(tree)}
    assert with_tasks == set(task_modules(DOMAINS))
    for module in TASK_MODULES:
        __import__(module)
    modules = {task.func.__module__ for task in job_app.tasks.values()}
    assert {module for module in modules if module.startswith("hive.")} == set(TASK_MODULES)


def test_every_module_router_is_declared_by_a_domain() -> None:
    found = {
        f"{name}:{router}"
        for name, tree in _sources().items()
        for router in _module_routers(tree)
        if name != "hive.apps.hag"  # the gateway's own information route
    }
    declared = {path for domain in DOMAINS for path in (*domain.hcm_routers, *domain.hag_routers)}
    assert found == declared


def _declared_routes(app: str) -> list[tuple[str, str]]:
    """(method, path) of every route the domains declare, path parameters filled with 1."""
    return [
        (method, re.sub(r"{[^}]+}", "1", route.path))
        for path in router_paths(DOMAINS, app)  # type: ignore[arg-type]
        for route in resolve(path).routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


async def test_an_app_built_from_the_list_serves_every_domains_routes(
    settings: Settings,
) -> None:
    declared = _declared_routes("hcm")
    assert ("GET", "/admin/catalog/pool") in declared and ("GET", "/workbench/pool") in declared
    app = create_hcm_app(settings, settings.database_url, [*DOMAINS, PROBE])
    with running_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for method, path in declared:
                answer = await client.request(method, path)
                assert answer.status_code not in (404, 405), (method, path)
            answer = await client.get("/probe-domain")
            assert (answer.status_code, answer.text) == (200, "probe open")


async def test_a_domain_added_to_the_list_is_served_by_the_gateway(settings: Settings) -> None:
    with running_server(create_hag_app(settings, settings.database_url, [PROBE])) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            assert (await client.get("/probe-domain")).status_code == 200
    with running_server(create_hag_app(settings, settings.database_url)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            assert (await client.get("/probe-domain")).status_code == 404


async def _no_adapter(supplier_id: int) -> Any:
    raise AssertionError("not called")


async def test_worker_start_subscribes_feed_handlers_and_runs_start_hooks(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probe_domain, "started", [])
    monkeypatch.delitem(sys.modules, "tests.support.probe_feed", raising=False)
    # A fresh import of the pool's handlers, subscribing to a registry of this test only.
    monkeypatch.setattr(freshness, "handlers", freshness.handlers)
    monkeypatch.delitem(sys.modules, "hive.catalog.freshness.handlers")
    registry = HandlerRegistry()
    monkeypatch.setattr(feed_handlers, "default_registry", registry)
    runtime = JobRuntime(settings.database_url, database, settings, _no_adapter)
    start_worker([*DOMAINS, PROBE], runtime)
    assert probe_domain.started == [runtime]
    assert "tests.support.probe_feed" in sys.modules
    assert registry.batch_handlers_for(MessageType.PRICE_CHANGED)
