"""Billing pages: tenant accounts and statements for staff (top-up, adjustment and credit
limit forms for finance), and the tenant's own account in the workbench."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import service as billing
from hive.billing.schemas import Adjustment, CreditLimit, TopUp
from hive.billing.texts import BILLING_TEXTS
from hive.console import i18n
from hive.console.callers import TenantSession, tenant_id_of, viewing
from hive.console.forms import CsrfToken, refusal, submit_form
from hive.console.pages import redirect_with_flash, render
from hive.console.tables import Table, read_table, refuse_unknown
from hive.customers import service as customers
from hive.platform.actor import Actor
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.money import InvalidAmount, parse_yuan
from hive.platform.permissions import Action, View, allowed
from hive.platform.validation import Id, InvalidInput, Problem

i18n.extend(BILLING_TEXTS)
router = APIRouter(include_in_schema=False)

ADMIN_PATH = "/admin/billing"
WORKBENCH_PATH = "/workbench/account"
PAGE_SIZE = 50
FORM_FIELDS = ("amount", "note")

AccountsViewer = Annotated[Actor, viewing(View.BILLING_ACCOUNTS)]
OwnAccountViewer = Annotated[Actor, viewing(View.WORKBENCH_ACCOUNT)]
Amount = Annotated[str, Form(max_length=24)]
NoteField = Annotated[str, Form(max_length=400)]
T = TypeVar("T")


def _table(request: Request, path: str) -> Table:
    params = dict(request.query_params)
    refuse_unknown(params, ("page", "lang"))
    return read_table(params, path=path, page_size=PAGE_SIZE)


@router.get(ADMIN_PATH)
async def accounts_page(request: Request, actor: AccountsViewer) -> Response:
    table = _table(request, ADMIN_PATH)
    async with database_of(request).platform_transaction() as session:
        tenants, total = await customers.list_tenants(
            session, limit=table.page_size, offset=table.offset
        )
        found = await billing.list_summaries(session, actor, [t.id for t in tenants])
    return render(
        request,
        "billing_accounts.html",
        actor=actor,
        rows=[(tenant, found.get(tenant.id)) for tenant in tenants],
        table=table.with_total(total),
    )


@router.get(ADMIN_PATH + "/{tenant_id}")
async def account_page(request: Request, actor: AccountsViewer, tenant_id: Id) -> Response:
    return await _account_page(request, actor, tenant_id, _table(request, request.url.path))


async def _account_page(
    request: Request,
    actor: Actor,
    tenant_id: int,
    table: Table,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    async with database_of(request).platform_transaction() as session:
        tenant = await customers.get_tenant(session, tenant_id)
        context = await _statement_context(session, actor, tenant_id, table)
    return render(
        request,
        "billing_account.html",
        status_code=status_code,
        actor=actor,
        tenant=tenant,
        may={action.value: allowed(actor.role, action) for action in _FINANCE_FORMS},
        trail=[(tenant.name, None)],
        **context,
        **extra,
    )


_FINANCE_FORMS = (Action.TOP_UP, Action.ADJUST_BALANCE, Action.SET_CREDIT_LIMIT)


async def _statement_context(
    session: AsyncSession, actor: Actor, tenant_id: int, table: Table
) -> dict[str, Any]:
    summary = await billing.account_summary(session, actor, tenant_id)
    statement = await billing.statement(
        session, actor, tenant_id, limit=table.page_size, offset=table.offset
    )
    return {
        "summary": summary,
        "lines": statement.lines,
        "table": table.with_total(statement.total),
    }


def _fen(raw: str, *, allow_negative: bool = False) -> int:
    try:
        return parse_yuan(raw, allow_negative=allow_negative)
    except InvalidAmount:
        raise InvalidInput([Problem("amount", "invalid_amount")]) from None


@dataclass(frozen=True, slots=True)
class _FinanceForm(Generic[T]):
    """A finance form of the account page: ``name`` is the form's id on the page and names its
    flash; ``build`` reads the typed amount and note for a tenant, ``apply`` writes it."""

    name: str
    build: Callable[[int, str, str], T]
    apply: Callable[[AsyncSession, Actor, T], Awaitable[object]]


_FINANCE_FORMS_BY_PATH: dict[str, _FinanceForm[Any]] = {
    "top-up": _FinanceForm(
        "top_up",
        lambda tenant_id, amount, note: TopUp(
            tenant_id=tenant_id, amount_fen=_fen(amount), note=note
        ),
        billing.top_up,
    ),
    "adjust": _FinanceForm(
        "adjust",
        lambda tenant_id, amount, note: Adjustment(
            tenant_id=tenant_id, amount_fen=_fen(amount, allow_negative=True), note=note
        ),
        billing.adjust,
    ),
    "credit-limit": _FinanceForm(
        "credit_limit",
        lambda tenant_id, amount, note: CreditLimit(
            tenant_id=tenant_id, limit_fen=_fen(amount), note=note
        ),
        billing.set_credit_limit,
    ),
}


def _add_finance_route(path: str, finance: _FinanceForm[Any]) -> None:
    """``POST /admin/billing/{tenant_id}/<path>``: validate the form (nothing written on bad
    input), run the service, and go back to the account page with a flash; a refusal shows the
    page again with each problem next to its field and the values typed."""

    async def submit(
        request: Request,
        actor: AccountsViewer,
        tenant_id: Id,
        csrf_token: CsrfToken = "",
        amount: Amount = "",
        note: NoteField = "",
    ) -> Response:
        async def apply() -> Response:
            data = finance.build(tenant_id, amount, note)
            async with database_of(request).platform_transaction() as session:
                await finance.apply(session, actor, data)
            return redirect_with_flash(f"{ADMIN_PATH}/{tenant_id}", f"billing.done.{finance.name}")

        form = {"form": finance.name, "amount": amount, "note": note}
        refused = partial(_refused, request, actor, tenant_id, form)
        return await submit_form(request, csrf_token, apply, refused)

    route = f"{ADMIN_PATH}/{{tenant_id}}/{path}"
    router.add_api_route(route, submit, methods=["POST"], name=finance.name)


for _path, _finance in _FINANCE_FORMS_BY_PATH.items():
    _add_finance_route(_path, _finance)

_FIELD_OF = {"amount_fen": "amount", "limit_fen": "amount"}


async def _refused(
    request: Request, actor: Actor, tenant_id: int, form: dict[str, str], error: HiveError
) -> Response:
    if isinstance(error.details.get("problems"), list):
        # The schemas and the service name their own fields (limit_fen); the form has one
        # amount field.
        error.details["problems"] = [
            {**p, "field": _FIELD_OF.get(str(p.get("field")), p.get("field"))}
            for p in error.details["problems"]
        ]
    table = read_table({}, path=f"{ADMIN_PATH}/{tenant_id}", page_size=PAGE_SIZE)
    return await _account_page(
        request, actor, tenant_id, table, form=form, **refusal(request, error, FORM_FIELDS)
    )


@router.get(WORKBENCH_PATH)
async def own_account_page(
    request: Request, actor: OwnAccountViewer, session: TenantSession
) -> Response:
    table = _table(request, WORKBENCH_PATH)
    context = await _statement_context(session, actor, tenant_id_of(actor), table)
    return render(request, "workbench_account.html", actor=actor, **context)
