"""Operators' supplier registry page: list suppliers, add one, enable or disable it.

Changes take effect without a restart: adapters are rebuilt when a supplier's row changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.error_pages import problem_lines
from hive.console.forms import CsrfToken
from hive.console.pages import redirect_with_flash, render
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, InvalidInput, parse_number
from hive.suppliers import service as suppliers
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.health import AccessStatus, check_access, recorded_states
from hive.suppliers.kinds import credentials_from_form
from hive.suppliers.models import Supplier
from hive.suppliers.schemas import SupplierCreate

# Far above any supplier's published limit; a typo such as 1e9 is refused.
MAX_QPS = 10_000

router = APIRouter(include_in_schema=False)
SuppliersViewer = Annotated[Actor, viewing(View.SUPPLIERS)]
PATH = "/admin/suppliers"

i18n.extend(
    {
        "zh": {
            "suppliers.title": "供应商",
            "suppliers.add": "新增供应商",
            "suppliers.name": "名称",
            "suppliers.kind": "类型",
            "suppliers.kind.vop": "京东 VOP",
            "suppliers.kind.warehouse": "自营仓",
            "suppliers.base_url": "接口地址",
            "suppliers.client_id": "应用 ID（client_id）",
            "suppliers.client_secret": "应用密钥（client_secret）",
            "suppliers.username": "账号",
            "suppliers.password": "密码",
            "suppliers.qps": "每秒调用上限",
            "suppliers.enabled": "状态",
            "suppliers.on": "启用",
            "suppliers.off": "停用",
            "suppliers.enable": "启用",
            "suppliers.disable": "停用",
            "suppliers.confirm_disable": "停用后不再从它选品、刷新价格和库存。确定停用“{name}”？",
            "suppliers.done.enabled": "供应商已启用",
            "suppliers.done.disabled": "供应商已停用",
            "suppliers.done.added": "供应商已添加",
            "suppliers.save": "保存",
            "suppliers.empty": "还没有供应商",
            "suppliers.invalid": "输入有误",
            "suppliers.access": "接入状态",
            "suppliers.access.ok": "正常",
            "suppliers.access.off": "—",
            "suppliers.activity.refresh": "商品刷新失败",
            "suppliers.activity.calibration": "夜间校准失败",
            "suppliers.since": "自 {at} 起",
        },
        "en": {
            "suppliers.title": "Suppliers",
            "suppliers.add": "Add a supplier",
            "suppliers.name": "Name",
            "suppliers.kind": "Kind",
            "suppliers.kind.vop": "JD VOP",
            "suppliers.kind.warehouse": "Self-run warehouse",
            "suppliers.base_url": "API base URL",
            "suppliers.client_id": "App ID (client_id)",
            "suppliers.client_secret": "App secret (client_secret)",
            "suppliers.username": "Account",
            "suppliers.password": "Password",
            "suppliers.qps": "Calls per second",
            "suppliers.enabled": "Status",
            "suppliers.on": "Enabled",
            "suppliers.off": "Disabled",
            "suppliers.enable": "Enable",
            "suppliers.disable": "Disable",
            "suppliers.confirm_disable": 'No more selection or refresh from it. Disable "{name}"?',
            "suppliers.done.enabled": "Supplier enabled",
            "suppliers.done.disabled": "Supplier disabled",
            "suppliers.done.added": "Supplier added",
            "suppliers.save": "Save",
            "suppliers.empty": "No suppliers yet",
            "suppliers.invalid": "Invalid input",
            "suppliers.access": "Access",
            "suppliers.access.ok": "OK",
            "suppliers.access.off": "—",
            "suppliers.activity.refresh": "Product refresh failing",
            "suppliers.activity.calibration": "Nightly calibration failing",
            "suppliers.since": "since {at}",
        },
    }
)


async def _page(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: object
) -> Response:
    async with database_of(request).platform_transaction() as session:
        rows = await suppliers.list_suppliers(session)
        states = await recorded_states(session)
    return render(
        request,
        "suppliers.html",
        status_code=status_code,
        actor=actor,
        suppliers=rows,
        access=await _access(request, rows),
        states=states,
        **extra,
    )


async def _access(request: Request, rows: Sequence[Supplier]) -> dict[int, AccessStatus]:
    """Each enabled supplier's access, asked of the supplier now (a fresh shared token costs no
    call), so a refused account shows its reason here rather than "unavailable" elsewhere."""
    factory: AdapterFactory = request.app.state.adapters
    timeout_s = request.app.state.settings.upstream_search_timeout_s
    enabled = [row for row in rows if row.enabled]
    statuses = await asyncio.gather(
        *(check_access(factory.for_supplier(row), timeout_s=timeout_s) for row in enabled)
    )
    return {row.id: status for row, status in zip(enabled, statuses, strict=True)}


@router.get(PATH)
async def supplier_list(request: Request, actor: SuppliersViewer) -> Response:
    return await _page(request, actor)


@router.post(PATH)
async def supplier_add(
    request: Request,
    actor: SuppliersViewer,
    csrf_token: CsrfToken = "",
    name: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=16)] = "vop",
    base_url: Annotated[str, Form(max_length=255)] = "",
    client_id: Annotated[str, Form(max_length=128)] = "",
    client_secret: Annotated[str, Form(max_length=256)] = "",
    username: Annotated[str, Form(max_length=128)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    qps: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    given = {
        "client_id": client_id,
        "client_secret": client_secret,
        "username": username,
        "password": password,
    }
    credentials = credentials_from_form(kind, given)
    try:
        data = SupplierCreate.model_validate(
            {
                "name": name,
                "kind": kind,
                "base_url": base_url or None,
                "credentials": credentials,
                "rate_limits": _rate_limits(qps),
            }
        )
        async with database_of(request).platform_transaction() as session:
            await suppliers.create_supplier(session, actor, data, request.app.state.secrets)
    except (ValidationError, ValueError, InvalidInput) as exc:
        return await _page(
            request,
            actor,
            status_code=422,
            error="suppliers.invalid",
            problems=problem_lines(request, exc),
            form={"name": name, "kind": kind, "base_url": base_url, "qps": qps},
        )
    except HiveError as exc:
        return await _page(
            request,
            actor,
            status_code=exc.http_status,
            error_text=exc.message,
            form={"name": name, "kind": kind, "base_url": base_url, "qps": qps},
        )
    return redirect_with_flash(PATH, "suppliers.done.added")


def _rate_limits(qps: str) -> dict[str, float]:
    """The form's calls-per-second limit for every method (blank: none)."""
    limit = parse_number(qps, "qps", minimum=0.01, maximum=MAX_QPS)
    return {"*": limit} if limit is not None else {}


@router.post(PATH + "/{supplier_id}/enabled")
async def supplier_toggle(
    request: Request,
    actor: SuppliersViewer,
    supplier_id: Id,
    csrf_token: CsrfToken = "",
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    verify_csrf(request.session, csrf_token)
    async with database_of(request).platform_transaction() as session:
        await suppliers.set_supplier_enabled(session, actor, supplier_id, enabled)
    done = "suppliers.done.enabled" if enabled else "suppliers.done.disabled"
    return redirect_with_flash(PATH, done)
