"""Per-request context (request id) carried in contextvars, so logs and audit rows can use it."""

from __future__ import annotations

import secrets
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("hive_request_id", default="")


def new_request_id() -> str:
    return secrets.token_hex(8)


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str) -> None:
    _request_id.set(value)
