"""The error shape every Open API route answers with, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """``code`` is stable (clients branch on it); ``message`` is 中文 / English."""

    code: str
    message: str
    request_id: str
    details: dict[str, Any] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Signature refused (see the code)"},
    403: {"model": ErrorOut, "description": "Scope missing"},
    422: {"model": ErrorOut, "description": "Invalid input"},
    429: {"model": ErrorOut, "description": "Rate limited (Retry-After)"},
}
