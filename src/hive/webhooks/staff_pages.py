"""The staff's read-only delivery log of any tenant's webhook endpoint
(``/admin/webhooks/<id>/deliveries``), opened from the admin dashboard's failing endpoints:
every delivery and attempt as the tenant admin sees them, without the replay button (replaying
is the tenant's). Every staff role may open it (``View.WEBHOOK_DELIVERIES``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.pages import render
from hive.console.tables import read_table, refuse_unknown
from hive.console.timefmt import local_time
from hive.platform.actor import Actor
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id
from hive.webhooks import service as webhooks
from hive.webhooks.texts import WEBHOOK_TEXTS

i18n.extend(WEBHOOK_TEXTS)
router = APIRouter(include_in_schema=False)

PATH = "/admin/webhooks/{subscription_id}/deliveries"
PAGE_SIZE = 20
DeliveriesViewer = Annotated[Actor, viewing(View.WEBHOOK_DELIVERIES)]


@router.get(PATH)
async def staff_deliveries_page(
    request: Request, actor: DeliveriesViewer, subscription_id: Id
) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ("page",))
    table = read_table(
        params, path=PATH.format(subscription_id=subscription_id), page_size=PAGE_SIZE
    )
    async with database_of(request).platform_transaction() as session:
        subscription, log = await webhooks.staff_delivery_log(
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
        read_only=True,
        trail=[(subscription.url, None)],
    )
