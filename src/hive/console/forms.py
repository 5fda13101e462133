"""Console form posts: the CSRF check, and a refused form shown again with each problem next
to its field.

A page posts a form to a route that checks the CSRF token first (before anything is read or
written), then validates the fields and runs the service. Refused input (a pydantic
``ValidationError`` or an :class:`~hive.platform.errors.HiveError` such as ``InvalidInput``)
is answered with the form again, the values typed kept; a missing row or a forbidden action
(404, 403) stays an error page, as the form it came from cannot fix it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hive.console.error_pages import field_errors, problem_lines
from hive.console.pages import render
from hive.platform.actor import Actor
from hive.platform.csrf import FORM_FIELD, verify_csrf
from hive.platform.errors import HiveError
from hive.platform.validation import invalid_input

CsrfToken = Annotated[str, Form(max_length=128)]
# Refusals a form cannot fix: the error page shows them.
ERROR_PAGE_STATUSES = (403, 404)


async def posted_form(request: Request) -> FormData:
    """The posted form of a route that reads its own fields, its CSRF token checked."""
    form = await request.form()
    verify_csrf(request.session, str(form.get(FORM_FIELD, "")))
    return form


async def submit_form(
    request: Request,
    csrf_token: str,
    apply: Callable[[], Awaitable[Response]],
    refused: Callable[[HiveError], Awaitable[Response]],
    *,
    error_pages: Collection[int] = ERROR_PAGE_STATUSES,
) -> Response:
    """Check the CSRF token, then :func:`answer_form`."""
    verify_csrf(request.session, csrf_token)
    return await answer_form(apply, refused, error_pages=error_pages)


async def answer_form(
    apply: Callable[[], Awaitable[Response]],
    refused: Callable[[HiveError], Awaitable[Response]],
    *,
    error_pages: Collection[int] = ERROR_PAGE_STATUSES,
) -> Response:
    """``apply`` (validate, write, answer — usually a redirect with a flash); refused input or
    a rule the service keeps goes to ``refused`` as a ``HiveError`` (a ``ValidationError`` as
    ``InvalidInput``, 422). An error whose status is in ``error_pages`` (403 and 404 unless
    the page says otherwise) is raised on to the error page."""
    try:
        return await apply()
    except ValidationError as error:
        return await refused(invalid_input(error))
    except HiveError as error:
        if error.http_status in error_pages:
            raise
        return await refused(error)


async def submit_change(
    request: Request,
    actor: Actor,
    csrf_token: str,
    apply: Callable[[], Awaitable[Response]],
    back: str,
) -> Response:
    """A workbench form that changes something and goes back to the page it was on: any
    refusal (403 and 404 too: a user who may look but not change) is shown on a page of its
    own saying why, with a link to ``back``; nothing was written then."""

    async def refused(error: HiveError) -> Response:
        return render(
            request,
            "workbench_refused.html",
            status_code=error.http_status,
            actor=actor,
            problems=problem_lines(request, error),
            back=back,
        )

    return await submit_form(request, csrf_token, apply, refused, error_pages=())


def refusal(
    request: Request, error: ValidationError | HiveError, fields: Sequence[str]
) -> dict[str, Any]:
    """How a form shows ``error`` again, as arguments of ``render``: its status (422 for a
    ``ValidationError``), the problems of each of ``fields`` (``errors``, shown next to the
    field) and every other line (``problems``, shown above the form)."""
    errors, problems = field_errors(request, error, fields)
    status = error.http_status if isinstance(error, HiveError) else 422
    return {"status_code": status, "errors": errors, "problems": problems}
