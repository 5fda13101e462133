"""CSRF protection for server-rendered forms: a per-session token, checked on every POST form."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from hive.platform.errors import CsrfFailed

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"


def csrf_token(session: dict[str, Any]) -> str:
    """The session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def verify_csrf(session: dict[str, Any], submitted: str | None) -> None:
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not submitted:
        raise CsrfFailed()
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfFailed()
