"""系统设置 (/admin/settings, platform admin): which settings are data and which environment.

*Data* settings live in the database and are changed here, validated by their services and
audited: each customer grade's price coefficient (a change reprices every product, as a job)
and its Open API rate limit. Data kept by other pages is linked (pricing floors, supplier call
rates, credit lines).

*Environment* settings are the ``HIVE_*`` variables read at start (``platform.config.Settings``);
they are shown read-only with where each value came from — the process environment, the
``.env`` file or the launcher, or the default — and changed by restarting with another value.
Secrets (the secret key, passwords in URLs) are never shown, only whether they are set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import SecretStr

from hive.catalog.pricing import rules as pricing_rules
from hive.console import i18n
from hive.console.callers import viewing
from hive.console.forms import CsrfToken, refusal, submit_form
from hive.console.pages import redirect_with_flash, render
from hive.console.settings_texts import SETTINGS_TEXTS
from hive.customers import service as customers
from hive.openapi import service as openapi
from hive.openapi.schemas import RateLimitSet
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, InvalidInput, Problem

router = APIRouter(include_in_schema=False)
i18n.extend(SETTINGS_TEXTS)
PATH = "/admin/settings"
SettingsAdmin = Annotated[Actor, viewing(View.SETTINGS)]
Number = Annotated[str, Form(max_length=24)]
URL_FIELDS = ("database_url", "redis_url", "amqp_url")


@dataclass(frozen=True, slots=True)
class EnvironmentSetting:
    """One ``HIVE_*`` setting as the page shows it: ``value`` already masked when secret;
    ``source`` is ``environment``, ``file`` (``.env`` or the launcher) or ``default``."""

    name: str
    variable: str
    value: str
    source: str
    secret: bool


def environment_settings(settings: Settings) -> list[EnvironmentSetting]:
    """Every setting of ``settings``, in declaration order, secrets masked."""
    given = settings.model_fields_set
    environment = {name.upper() for name in os.environ}
    shown = []
    for name in Settings.model_fields:
        variable = f"HIVE_{name.upper()}"
        source = (
            "environment" if variable in environment else "file" if name in given else "default"
        )
        value, secret = _shown(name, getattr(settings, name))
        shown.append(EnvironmentSetting(name, variable, value, source, secret))
    return shown


def _shown(name: str, value: object) -> tuple[str, bool]:
    """The value as text and whether it was masked: a secret shows only whether it is set; a
    URL loses its password."""
    if isinstance(value, SecretStr):
        if value.get_secret_value():
            return "set", True
        return ("generated" if name == "secret_key" else "unset"), True
    text = str(value)
    if name in URL_FIELDS and text:
        parts = urlsplit(text)
        if parts.password is not None:
            host = parts.hostname or ""
            netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc)), True
    return text, False


async def _page(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    settings: Settings = request.app.state.settings
    async with database_of(request).platform_transaction() as session:
        grades = await customers.list_grades(session)
        limits = await openapi.grade_rate_limits(session)
    return render(
        request,
        "system_settings.html",
        status_code=status_code,
        actor=actor,
        grades=grades,
        limits=limits,
        default_rate=settings.open_api_rate_per_s,
        default_burst=settings.open_api_burst,
        environment=environment_settings(settings),
        **extra,
    )


@router.get(PATH)
async def settings_page(request: Request, actor: SettingsAdmin) -> Response:
    return await _page(request, actor)


@router.post(PATH + "/grades/{grade_id}/coefficient")
async def grade_coefficient(
    request: Request,
    actor: SettingsAdmin,
    grade_id: Id,
    csrf_token: CsrfToken = "",
    coefficient: Number = "",
) -> Response:
    async def apply() -> Response:
        value = _coefficient(coefficient)
        async with database_of(request).platform_transaction() as session:
            await pricing_rules.set_grade_coefficient(session, actor, grade_id, value)
        return redirect_with_flash(PATH, "settings.done.coefficient")

    form = {"form": f"coefficient-{grade_id}", "coefficient": coefficient}
    return await submit_form(
        request, csrf_token, apply, partial(_refused, request, actor, form, ("coefficient",))
    )


def _coefficient(raw: str) -> Decimal:
    """0 < coefficient < 100 with at most 4 decimals, as the grade's column holds it."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise InvalidInput([Problem("coefficient", "not_a_number")]) from None
    if not value.is_finite():
        raise InvalidInput([Problem("coefficient", "not_finite")])
    if value <= 0:
        raise InvalidInput([Problem("coefficient", "too_small", {"min": "0.0001"})])
    if value >= 100:
        raise InvalidInput([Problem("coefficient", "too_large", {"max": "99.9999"})])
    if value != value.quantize(Decimal("0.0001")):
        raise InvalidInput([Problem("coefficient", "invalid_format")])
    return value


@router.post(PATH + "/grades/{grade_id}/api-limit")
async def grade_api_limit(
    request: Request,
    actor: SettingsAdmin,
    grade_id: Id,
    csrf_token: CsrfToken = "",
    rate_per_s: Number = "",
    burst: Number = "",
) -> Response:
    async def apply() -> Response:
        limit = RateLimitSet.model_validate({"rate_per_s": rate_per_s, "burst": burst})
        async with database_of(request).platform_transaction() as session:
            await openapi.set_grade_rate_limit(session, actor, grade_id, limit)
        return redirect_with_flash(PATH, "settings.done.api_limit")

    form = {"form": f"limit-{grade_id}", "rate_per_s": rate_per_s, "burst": burst}
    return await submit_form(
        request, csrf_token, apply, partial(_refused, request, actor, form, ("rate_per_s", "burst"))
    )


async def _refused(
    request: Request, actor: Actor, form: dict[str, str], fields: tuple[str, ...], error: HiveError
) -> Response:
    return await _page(request, actor, form=form, **refusal(request, error, fields))
