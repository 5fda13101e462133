"""The tenant workbench's webhook pages (Webhook 订阅): a tenant admin lists the tenant's
subscriptions, adds one for one of its apps (the secret is shown once, on the answer to the
form), deletes one, resumes a paused one (its notice shown above the list until then), and reads
each one's delivery log — every attempt's time, status, duration, error and the start of the
answer — with a replay button for a delivered or dead delivery. Only the tenant admin's role may
open them (``View.WORKBENCH_WEBHOOKS``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.callers import TenantSession, tenant_id_of, viewing
from hive.console.forms import CsrfToken, refusal
from hive.console.pages import redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.console.timefmt import local_time
from hive.events.service import EventType
from hive.openapi import service as openapi
from hive.openapi.models import AppStatus
from hive.platform.actor import Actor
from hive.platform.api_docs import gateway_docs_url
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.permissions import View
from hive.platform.validation import Id, InvalidInput, Problem, parse_id
from hive.webhooks import service as webhooks
from hive.webhooks.schemas import SubscriptionCreate
from hive.webhooks.sender import policy_of
from hive.webhooks.texts import WEBHOOK_TEXTS

i18n.extend(WEBHOOK_TEXTS)
router = APIRouter(include_in_schema=False)

PATH = "/workbench/webhooks"
REPLAY = "/workbench/webhook-deliveries/{delivery_id}/replay"
FIELDS = ("app_id", "url", "event_types")
PAGE_SIZE = 20
HooksAdmin = Annotated[Actor, viewing(View.WORKBENCH_WEBHOOKS)]


async def _page(
    request: Request,
    actor: Actor,
    session: AsyncSession,
    *,
    status_code: int = 200,
    issued: webhooks.IssuedWebhook | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    problems: list[str] | None = None,
) -> Response:
    tenant_id = tenant_id_of(actor)
    apps = await openapi.list_apps(session, actor, tenant_id)
    return render(
        request,
        "workbench_webhooks.html",
        status_code=status_code,
        # Tenants open the gateway's reference page, never a path in Hive's repository.
        api_docs_url=gateway_docs_url(request),
        actor=actor,
        subscriptions=await webhooks.list_subscriptions(session, actor, tenant_id),
        notices=await webhooks.open_notices(session, actor, tenant_id),
        app_names={app.id: app.name for app in apps},
        apps=[(app.id, app.name) for app in apps if app.status == AppStatus.ACTIVE.value],
        event_types=[kind.value for kind in EventType],
        issued=issued,
        form=form or {"event_types": [kind.value for kind in EventType]},
        errors=errors or {},
        problems=problems or [],
        local=local_time,
    )


def _event_types(values: list[str]) -> list[EventType]:
    """The form's event types; an unknown one is refused naming the field (not its index)."""
    known = {kind.value: kind for kind in EventType}
    if not values or any(value not in known for value in values):
        choices = ", ".join(known)
        raise InvalidInput([Problem("event_types", "not_a_choice", {"choices": choices})])
    return [known[value] for value in values]


@router.get(PATH)
async def webhooks_page(request: Request, actor: HooksAdmin, session: TenantSession) -> Response:
    return await _page(request, actor, session)


@router.post(PATH)
async def create_webhook(
    request: Request,
    actor: HooksAdmin,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    app_id: Annotated[str, Form(max_length=32)] = "",
    url: Annotated[str, Form(max_length=4096)] = "",
    event_types: Annotated[list[str] | None, Form(max_length=16)] = None,
) -> Response:
    verify_csrf(request.session, csrf_token)
    form = {"app_id": app_id, "url": url, "event_types": event_types or []}
    settings = request.app.state.settings
    limits = webhooks.Limits(policy_of(settings), settings.webhook_max_subscriptions_per_app)
    try:
        app = parse_id(app_id, "app_id") or 0
        data = SubscriptionCreate(url=url, event_types=_event_types(event_types or []))
        issued = await webhooks.create_subscription(
            session, actor, tenant_id_of(actor), app, data, request.app.state.secrets, limits
        )
    except (ValidationError, HiveError) as error:
        return await _page(request, actor, session, form=form, **refusal(request, error, FIELDS))
    return await _page(request, actor, session, issued=issued)


def _add_subscription_route(
    action: str, change: Callable[..., Awaitable[object]], flash: str
) -> None:
    """``POST /workbench/webhooks/{subscription_id}/<action>``: ``change`` the subscription
    and go back to the list with ``flash``."""

    async def submit(
        request: Request,
        actor: HooksAdmin,
        session: TenantSession,
        subscription_id: Id,
        csrf_token: CsrfToken = "",
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        await change(session, actor, subscription_id, now=datetime.now(UTC))
        return redirect_with_flash(PATH, flash)

    route = f"{PATH}/{{subscription_id}}/{action}"
    router.add_api_route(route, submit, methods=["POST"], name=f"{action}_webhook")


_add_subscription_route("delete", webhooks.delete_subscription, "webhooks.deleted")
_add_subscription_route("resume", webhooks.resume_subscription, "webhooks.resumed")


@router.get(PATH + "/{subscription_id}/deliveries")
async def deliveries_page(
    request: Request, actor: HooksAdmin, session: TenantSession, subscription_id: Id
) -> Response:
    params = dict(request.query_params)
    path = f"{PATH}/{subscription_id}/deliveries"
    refuse_unknown(params, ("page",))
    table = read_table(params, path=path, page_size=PAGE_SIZE)
    subscription = await webhooks.get_subscription(session, actor, subscription_id)
    log = await webhooks.delivery_log(
        session, actor, subscription_id, page=table.page, page_size=PAGE_SIZE
    )
    return render(
        request,
        "workbench_webhook_deliveries.html",
        actor=actor,
        subscription=subscription,
        log=log,
        table=table.with_total(log.total),
        local=local_time,
        trail=[(subscription.url, None)],
    )


@router.post(REPLAY)
async def replay_delivery(
    request: Request,
    actor: HooksAdmin,
    session: TenantSession,
    delivery_id: Id,
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    delivery = await webhooks.replay_delivery(session, actor, delivery_id, now=datetime.now(UTC))
    return redirect_with_flash(
        f"{PATH}/{delivery.subscription_id}/deliveries", "deliveries.replayed"
    )
