"""The operators' order search: by number (the tenant's order number, a sub-order number or the
supplier's order id), tenant, status, creation date (Asia/Shanghai days) and product, over every
tenant's orders, one page at a time. The console page reads its filters from the URL with
:func:`read_filters` (every bad value refused with its field named) and asks
:func:`search_orders`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hive.console.timefmt import DISPLAY_TIMEZONE
from hive.orders import search_repository as repository
from hive.orders.search_repository import Filters, OrderRow
from hive.orders.status import OrderStatus
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Action, require
from hive.platform.validation import InvalidInput, Problem, parse_id, text_problems

FILTERS = ("number", "tenant", "status", "from", "to", "product")
SORTS = tuple(repository.SORTS)
MAX_NUMBER = 64


def _day(raw: str, name: str, problems: list[Problem]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(Problem(name, "invalid_format", {"format": "YYYY-MM-DD"}))
        return None


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), DISPLAY_TIMEZONE) if day else None


def _id(raw: str, name: str, problems: list[Problem]) -> int | None:
    try:
        return parse_id(raw or None, name)
    except InvalidInput as error:
        problems.extend(error.problems)
        return None


def read_filters(params: Mapping[str, str]) -> Filters:
    """The search the URL asks for: ``number`` a number (exact), ``tenant`` and ``product`` ids,
    ``status`` an order status, ``from``/``to`` days (``YYYY-MM-DD``, both included, in
    Asia/Shanghai). Raises ``invalid_input`` naming each bad parameter."""
    problems: list[Problem] = []
    number = params.get("number", "").strip()
    problems += text_problems(number, "number", max_length=MAX_NUMBER, multiline=False)
    status = params.get("status", "").strip() or None
    if status is not None and status not in {s.value for s in OrderStatus}:
        choices = ", ".join(s.value for s in OrderStatus)
        problems.append(Problem("status", "not_a_choice", {"choices": choices}))
    first = _day(params.get("from", "").strip(), "from", problems)
    last = _day(params.get("to", "").strip(), "to", problems)
    if first and last and last < first:
        problems.append(Problem("to", "too_small", {"min": first.isoformat()}))
    tenant_id = _id(params.get("tenant", "").strip(), "tenant", problems)
    product_id = _id(params.get("product", "").strip(), "product", problems)
    if problems:
        raise InvalidInput(problems)
    return Filters(
        number=number,
        tenant_id=tenant_id,
        status=status,
        created_from=_start_of(first),
        created_before=_start_of(last + timedelta(days=1) if last else None),
        product_id=product_id,
    )


@dataclass(frozen=True, slots=True)
class SearchPage:
    rows: list[OrderRow]
    total: int


async def search_orders(
    session: AsyncSession,
    actor: Actor,
    filters: Filters,
    *,
    sort: str = "created_at",
    descending: bool = True,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """One page of every tenant's orders matching ``filters`` (staff only: a tenant user is
    ``permission_denied``; tenants list their own with ``service.list_orders``)."""
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None:
        raise PermissionDenied(details={"action": Action.VIEW_ORDERS.value})
    rows, total = await repository.search(
        session, filters, sort=sort, descending=descending, limit=limit, offset=offset
    )
    return SearchPage(rows, total)


def export_orders(
    actor: Actor, filters: Filters, *, sort: str = "created_at", descending: bool = True
) -> repository.ExportQuery:
    """Every order matching ``filters`` in the page's order, as a statement the caller
    streams (a CSV download); checked like :func:`search_orders` (staff only). Only the
    receiver's masked name and mobile are in it, as on the page."""
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None:
        raise PermissionDenied(details={"action": Action.VIEW_ORDERS.value})
    return repository.export_statement(filters, sort=sort, descending=descending)
