"""Why a tenant does or does not see a product: the operators' answer to "which distribution
pools show product X to tenant Y, and why not" (商品 › 分销池 › 可见性查询).

Each pool is judged on the same conditions as the one rule (``tenant_visible_products``):
switched on, assigned to the tenant or to its grade, holding the product (every product for
the default pool, the categories' subtrees for a category pool, the listed products for an
exclusive pool), and, for a shared pool, the product not reserved by an exclusive pool. The
verdict is the rule's own answer, asked of the database function; the per-pool reasons explain
it (a test keeps the two in agreement).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution import repository
from hive.catalog.distribution.models import PoolKind
from hive.catalog.errors import ProductNotFound
from hive.catalog.models import Product
from hive.catalog.status import ProductStatus
from hive.customers.models import Tenant
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import View, may_view


@dataclass(frozen=True, slots=True)
class PoolVerdict:
    """One pool: whether it shows the product to the tenant; ``reasons`` why not (codes:
    ``off``, ``not_assigned``, ``not_held``, ``withheld``), in that order; ``assigned_by`` how it
    reaches the tenant (``tenant``, ``grade``)."""

    pool_id: int
    name: str
    kind: str
    shows: bool
    reasons: tuple[str, ...]
    assigned_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Visibility:
    """The answer: ``visible`` is the rule's own; ``sellable`` whether the product is active in
    the pool (a paused or removed one is shown to nobody, whatever the pools say)."""

    product: Product
    tenant: Tenant
    visible: bool
    sellable: bool
    withheld: bool
    pools: tuple[PoolVerdict, ...]


def judge(
    kind: str, active: bool, for_tenant: bool, for_grade: bool, holds: bool, withheld: bool
) -> tuple[bool, tuple[str, ...]]:
    """Whether one pool shows the product, and the reasons it does not."""
    reasons = []
    if not active:
        reasons.append("off")
    if not (for_tenant or for_grade):
        reasons.append("not_assigned")
    if not holds:
        reasons.append("not_held")
    if withheld and kind != PoolKind.EXCLUSIVE and holds:
        reasons.append("withheld")
    return not reasons, tuple(reasons)


async def explain_visibility(
    session: AsyncSession, actor: Actor, product_id: int, tenant: Tenant
) -> Visibility:
    """Which pools show ``product_id`` to ``tenant`` and why the others do not. Raises
    ``ProductNotFound``; operators and finance may ask (the distribution pages' audience)."""
    if not may_view(actor.role, View.DISTRIBUTION):
        raise PermissionDenied()
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(details={"product_id": product_id})
    withheld = await repository.is_withheld(session, product_id)
    verdicts = []
    for row in await repository.pool_facts(session, product_id, tenant.id):
        shows, reasons = judge(
            row.kind, row.active, row.for_tenant, row.for_grade, row.holds, withheld
        )
        assigned = tuple(
            n for n, on in (("tenant", row.for_tenant), ("grade", row.for_grade)) if on
        )
        verdicts.append(PoolVerdict(row.id, row.name, row.kind, shows, reasons, assigned))
    visible = bool(await repository.visible_ids(session, tenant.id, [product_id]))
    return Visibility(
        product=product,
        tenant=tenant,
        visible=visible,
        sellable=product.status == ProductStatus.ACTIVE,
        withheld=withheld,
        pools=tuple(verdicts),
    )
