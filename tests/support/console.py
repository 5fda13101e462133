"""Driving console forms over HTTP: read the CSRF token, sign in; the app's routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_of(client: httpx.Client, path: str = "/login") -> str:
    match = CSRF_FIELD.search(client.get(path).text)
    assert match, f"{path} has no CSRF field"
    return match.group(1)


def sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf_token_of(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@contextmanager
def signed_in(url: str, username: str, password: str) -> Iterator[httpx.Client]:
    """An HTTP client of the console at ``url`` signed in as ``username`` (closed after)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, username, password).status_code == 303, username
        yield client


def app_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every API route of ``app``, through included routers and mounts."""
    stack: list[Any] = list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
        elif hasattr(route, "routes"):
            stack.extend(route.routes)


def assert_category_picker(form: str, category_id: int, name: str) -> None:
    """``form`` (a form's HTML) picks its category from the searchable category tree, with
    ``category_id`` offered by ``name``, and takes no typed id."""
    assert f'type="radio" name="category_id" value="{category_id}"> {name}' in form
    assert "data-picker-filter" in form  # searchable
    assert not re.search(r'<input name="category_id"[^>]*inputmode="numeric"', form)
