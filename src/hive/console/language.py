"""The language switch: remembers the choice and goes back to a page that can be read again.

A link of the form ``?lang=en`` would repeat the current request, which after a form post is a
POST address (405 when opened); the switch goes through ``GET /language`` instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hive.console.callers import PUBLIC
from hive.console.i18n import LANGUAGES
from hive.console.pages import LANGUAGE_COOKIE, local_path

router = APIRouter(include_in_schema=False)


@router.get("/language", dependencies=[PUBLIC])
async def switch_language(request: Request, to: str = "", next: str = "/") -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    if to in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, to, max_age=365 * 86400, samesite="lax")
    return response
