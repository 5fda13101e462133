"""Account statement exports as jobs: staff export a tenant's statement
(POST /admin/billing/<id>/statement/export), a tenant user its own
(POST /workbench/account/statement/export); hive.console.export_pages asks first when it is
large, starts the job and shows its page (the rows and cells: hive.billing.export_sources)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.billing.export_sources import OWN_STATEMENT, TENANT_STATEMENT
from hive.billing.routes import ADMIN_PATH, WORKBENCH_PATH, AccountsViewer, OwnAccountViewer
from hive.console.export_pages import request_export
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)


@router.post(ADMIN_PATH + "/{tenant_id}/statement/export")
async def tenant_statement_export(
    request: Request, actor: AccountsViewer, tenant_id: Id
) -> Response:
    return await request_export(request, actor, TENANT_STATEMENT, fixed={"tenant": str(tenant_id)})


@router.post(WORKBENCH_PATH + "/statement/export")
async def own_statement_export(request: Request, actor: OwnAccountViewer) -> Response:
    return await request_export(request, actor, OWN_STATEMENT)
