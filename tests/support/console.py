"""Driving console forms over HTTP: read the CSRF token, sign in."""

from __future__ import annotations

import re

import httpx

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
