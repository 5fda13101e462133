"""The permission matrix, walked for every role × action through the real service functions."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hive.billing import freezes, reconciliation
from hive.billing import service as billing
from hive.billing.schemas import Adjustment, CreditLimit, TopUp
from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from hive.catalog.freshness import tasks as freshness
from hive.catalog.library import service as library
from hive.catalog.pool import service as pool
from hive.catalog.pricing import rules as pricing_rules
from hive.catalog.pricing.engine import Base as PricingBase
from hive.catalog.pricing.engine import Rounding as PricingRounding
from hive.catalog.pricing.engine import Scope as PricingScope
from hive.catalog.pricing.schemas import RuleInput as PricingRuleInput
from hive.catalog.pricing.schemas import SpecialPriceInput
from hive.catalog.selection import rule_jobs, rules
from hive.catalog.selection import service as selection
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.customers import service as customers
from hive.customers import sessions, signin, users
from hive.customers.models import TenantStatus, UserStatus
from hive.customers.schemas import GradeCreate, PasswordChange, TenantCreate, UserCreate
from hive.events.service import EventType
from hive.openapi import service as openapi
from hive.openapi.schemas import AppCreate, RateLimitSet
from hive.openapi.scopes import Scope
from hive.orders import acceptance, cancellation, holds, receivers
from hive.orders import service as orders
from hive.orders.models import Order
from hive.orders.personal import Receiver, encrypt_receiver
from hive.orders.schemas import OrderRequest
from hive.platform.actor import Actor
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import MATRIX, SYSTEM_ROLE, Action, Role
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import SupplierKind
from hive.suppliers.warehouse import returns
from hive.suppliers.warehouse import service as warehouse
from hive.webhooks import service as webhooks
from hive.webhooks.schemas import SubscriptionCreate
from hive.webhooks.targets import Policy
from tests.support.factories import ADMIN, make_grade, make_tenant, make_user

ROLES = [*(role.value for role in Role), SYSTEM_ROLE]
ADMIN_ROLE, OPERATOR, FINANCE = "platform_admin", "operator", "finance"
TENANT_ADMIN, TENANT_USER = "tenant_admin", "tenant_user"

# What each role may do, written out here on purpose (not read from the module under test).
EXPECTED: dict[Action, set[str]] = {
    Action.MANAGE_GRADES: {ADMIN_ROLE},
    Action.CREATE_TENANT: {ADMIN_ROLE, OPERATOR},
    Action.CHANGE_TENANT_STATUS: {ADMIN_ROLE},
    Action.CREATE_USER: {ADMIN_ROLE, TENANT_ADMIN},
    Action.CHANGE_USER_STATUS: {ADMIN_ROLE, TENANT_ADMIN},
    Action.CHANGE_USER_ROLE: {ADMIN_ROLE, TENANT_ADMIN},
    Action.CHANGE_OWN_CREDENTIALS: {ADMIN_ROLE, OPERATOR, FINANCE, TENANT_ADMIN, TENANT_USER},
    Action.UNLOCK_ACCOUNT: {ADMIN_ROLE, TENANT_ADMIN},
    Action.END_USER_SESSIONS: {ADMIN_ROLE, TENANT_ADMIN},
    Action.RESET_PASSWORD: {ADMIN_ROLE, TENANT_ADMIN},
    Action.MANAGE_SUPPLIERS: {ADMIN_ROLE, OPERATOR},
    Action.MANAGE_WAREHOUSE: {ADMIN_ROLE, OPERATOR},
    Action.REENCRYPT_CREDENTIALS: {ADMIN_ROLE},
    Action.SELECT_PRODUCTS: {ADMIN_ROLE, OPERATOR, SYSTEM_ROLE},
    Action.MANAGE_RULES: {ADMIN_ROLE, OPERATOR},
    Action.RUN_RULES: {ADMIN_ROLE, OPERATOR, SYSTEM_ROLE},
    Action.CHANGE_PRODUCT_STATUS: {ADMIN_ROLE, OPERATOR},
    Action.MANAGE_PRICING: {ADMIN_ROLE, OPERATOR},
    Action.CALIBRATE_POOL: {ADMIN_ROLE, OPERATOR},
    Action.MANAGE_APPS: {ADMIN_ROLE, TENANT_ADMIN},
    Action.SET_API_LIMITS: {ADMIN_ROLE, OPERATOR},
    Action.MANAGE_WEBHOOKS: {ADMIN_ROLE, TENANT_ADMIN},
    Action.TOP_UP: {ADMIN_ROLE, FINANCE},
    Action.ADJUST_BALANCE: {ADMIN_ROLE, FINANCE},
    Action.SET_CREDIT_LIMIT: {ADMIN_ROLE, FINANCE},
    Action.VIEW_STATEMENT: {ADMIN_ROLE, OPERATOR, FINANCE, TENANT_ADMIN, TENANT_USER},
    Action.FREEZE_FUNDS: {TENANT_ADMIN, TENANT_USER, SYSTEM_ROLE},
    Action.CAPTURE_FUNDS: {SYSTEM_ROLE},
    Action.RELEASE_FUNDS: {ADMIN_ROLE, OPERATOR, TENANT_ADMIN, TENANT_USER, SYSTEM_ROLE},
    Action.CHECK_LEDGER: {ADMIN_ROLE, FINANCE, SYSTEM_ROLE},
    Action.PLACE_ORDER: {TENANT_ADMIN, TENANT_USER},
    Action.VIEW_ORDERS: {ADMIN_ROLE, OPERATOR, FINANCE, TENANT_ADMIN, TENANT_USER},
    Action.VIEW_RECEIVER: {ADMIN_ROLE, OPERATOR, TENANT_ADMIN},
    Action.CANCEL_ORDER: {ADMIN_ROLE, OPERATOR, TENANT_ADMIN, TENANT_USER},
    Action.RESOLVE_HELD_ORDER: {ADMIN_ROLE, OPERATOR},
    Action.MANAGE_DISTRIBUTION: {ADMIN_ROLE, OPERATOR},
    Action.MANAGE_LIBRARY: {TENANT_ADMIN, TENANT_USER},
}


@dataclass
class World:
    database: Database
    grade_id: int
    tenant_id: int
    tenant_user_id: int
    supplier_id: int
    serial: itertools.count[int]


Call = Callable[[World, Actor], Awaitable[Any]]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
_BOX = SecretBox("k" * 32)


def in_transaction(call: Callable[..., Awaitable[Any]]) -> Call:
    """Run ``call(session, world, actor)`` in a platform transaction."""

    async def run(world: World, actor: Actor) -> Any:
        async with world.database.platform_transaction() as session:
            return await call(session, world, actor)

    return run


def _user(world: World, actor: Actor) -> UserCreate:
    n = next(world.serial)
    return UserCreate(
        username=f"probe-{n}",
        display_name="probe",
        password="correct-horse-1",
        role=Role.TENANT_USER,
        tenant_id=world.tenant_id,
    )


def _member(world: World) -> users.NewMember:
    return users.NewMember(
        username=f"member-{next(world.serial)}", display_name="member", role=Role.TENANT_USER
    )


def _rule(world: World) -> RuleCreate:
    name = f"rule-{next(world.serial)}"
    conditions = RuleConditions(keywords=["手机"])
    return RuleCreate(name=name, supplier_id=world.supplier_id, conditions=conditions)


_HOOK_LIMITS = webhooks.Limits(Policy(allow_loopback=False, allow_private=False), max_per_app=5)


def _subscription() -> SubscriptionCreate:
    return SubscriptionCreate(url="https://example.com/hook", event_types=[EventType.PRICE_CHANGED])


def _pool(world: World) -> PoolCreate:
    return PoolCreate(name=f"pool-{next(world.serial)}", kind=PoolKind.EXCLUSIVE)


def _pricing_rule(world: World) -> PricingRuleInput:
    return PricingRuleInput(
        scope=PricingScope.BRAND,
        base=PricingBase.COST_PLUS,
        percent=Decimal(5),
        rounding=PricingRounding.FEN,
        allow_above_retail=False,
        brand=f"brand-{next(world.serial)}",
    )


def _warehouse_calls() -> list[Call]:
    product = warehouse.ProductInput("sku-x", "商品", "品牌", 1, 100, 120)
    receipt = warehouse.BatchReceipt("W-NONE", "sku-x", "B1", 1, 100, date(2027, 1, 1))
    stock = {"warehouse_code": "W-NONE", "sku": "sku-x"}
    return [
        in_transaction(
            lambda s, w, a: warehouse.create_warehouse(
                s, a, w.supplier_id, code=f"W{next(w.serial)}", name="仓", province_ids=[1]
            )
        ),
        in_transaction(lambda s, w, a: warehouse.create_product(s, a, w.supplier_id, product)),
        in_transaction(lambda s, w, a: warehouse.set_shelf(s, a, w.supplier_id, "none", True)),
        in_transaction(lambda s, w, a: warehouse.set_price(s, a, w.supplier_id, "none", 1, 2)),
        in_transaction(lambda s, w, a: warehouse.receive_batch(s, a, w.supplier_id, receipt, NOW)),
        in_transaction(
            lambda s, w, a: warehouse.adjust_stock(
                s, a, w.supplier_id, **stock, batch_no="B1", delta=1, reason="count", now=NOW
            )
        ),
        in_transaction(
            lambda s, w, a: warehouse.set_threshold(
                s, a, w.supplier_id, **stock, threshold=1, now=NOW
            )
        ),
        in_transaction(lambda s, w, a: returns.complete(s, a, w.supplier_id, "RT-1", NOW)),
    ]


def _order_request(world: World) -> OrderRequest:
    return OrderRequest.model_validate(
        {
            "order_no": f"PO-{next(world.serial)}",
            "items": [{"product_id": 10**9, "quantity": 1, "unit_price": 100}],
            "address": {
                "province_id": 1,
                "city_id": 2,
                "county_id": 3,
                "detail": "建国路 88 号",
                "receiver": "张三",
                "mobile": "13800000000",
            },
        }
    )


def _unsaved_order(world: World) -> Order:
    """An order of the world's tenant, never stored (the receiver check needs only its row)."""
    receiver = Receiver(name="张三", mobile="13800000000", address="建国路 88 号")
    return Order(
        id=0,
        tenant_id=world.tenant_id,
        order_no="PO-NONE",
        receiver_cipher=encrypt_receiver(receiver, _BOX),
    )


def _billing_calls() -> dict[Action, list[Call]]:
    return {
        Action.TOP_UP: [
            in_transaction(
                lambda s, w, a: billing.top_up(
                    s, a, TopUp(tenant_id=w.tenant_id, amount_fen=100, note="充值")
                )
            )
        ],
        Action.ADJUST_BALANCE: [
            in_transaction(
                lambda s, w, a: billing.adjust(
                    s, a, Adjustment(tenant_id=w.tenant_id, amount_fen=1, note="调账")
                )
            )
        ],
        Action.SET_CREDIT_LIMIT: [
            in_transaction(
                lambda s, w, a: billing.set_credit_limit(
                    s, a, CreditLimit(tenant_id=w.tenant_id, limit_fen=100, note="授信")
                )
            )
        ],
        Action.VIEW_STATEMENT: [
            in_transaction(lambda s, w, a: billing.account_summary(s, a, w.tenant_id)),
            in_transaction(lambda s, w, a: billing.statement(s, a, w.tenant_id, limit=1, offset=0)),
        ],
        Action.FREEZE_FUNDS: [
            in_transaction(
                lambda s, w, a: freezes.freeze(s, a, w.tenant_id, f"R{next(w.serial)}", 1)
            )
        ],
        Action.CAPTURE_FUNDS: [
            in_transaction(lambda s, w, a: freezes.capture(s, a, w.tenant_id, "NONE", 1))
        ],
        Action.RELEASE_FUNDS: [
            in_transaction(lambda s, w, a: freezes.release(s, a, w.tenant_id, "NONE", 1)),
            in_transaction(lambda s, w, a: freezes.release_remaining(s, a, w.tenant_id, "NONE")),
        ],
        Action.CHECK_LEDGER: [in_transaction(lambda s, w, a: reconciliation.check_ledger(s, a))],
        Action.VIEW_ORDERS: [
            in_transaction(lambda s, w, a: orders.get_order(s, a, w.tenant_id, "PO-NONE")),
            in_transaction(lambda s, w, a: orders.list_orders(s, a, w.tenant_id)),
        ],
        Action.VIEW_RECEIVER: [
            in_transaction(lambda s, w, a: receivers.reveal_receiver(s, a, _unsaved_order(w), _BOX))
        ],
        Action.CANCEL_ORDER: [
            in_transaction(
                lambda s, w, a: cancellation.cancel_order(s, a, w.tenant_id, "PO-NONE", "")
            )
        ],
        Action.RESOLVE_HELD_ORDER: [
            in_transaction(lambda s, w, a: holds.cancel_held(s, a, w.tenant_id, "HV-NONE", "x")),
            in_transaction(lambda s, w, a: holds.release_held(s, a, w.tenant_id, "HV-NONE", "x")),
        ],
        Action.PLACE_ORDER: [
            in_transaction(
                lambda s, w, a: acceptance.accept_order(
                    s, a, w.tenant_id, _order_request(w), SecretBox("k" * 32)
                )
            )
        ],
    }


# Every state-changing service function, by the action it takes.
CALLS: dict[Action, list[Call]] = {
    Action.MANAGE_GRADES: [
        in_transaction(
            lambda s, w, a: customers.create_grade(
                s, a, GradeCreate(name=f"g{next(w.serial)}", price_coefficient=Decimal("1.2"))
            )
        ),
        in_transaction(
            lambda s, w, a: customers.change_grade_coefficient(s, a, w.grade_id, Decimal("1.1"))
        ),
        in_transaction(
            lambda s, w, a: customers.update_grade(
                s, a, w.grade_id, GradeCreate(name="probe-grade", price_coefficient=Decimal(1))
            )
        ),
        in_transaction(lambda s, w, a: customers.delete_grade(s, a, 10**9)),
    ],
    Action.CREATE_TENANT: [
        in_transaction(
            lambda s, w, a: customers.create_tenant(
                s, a, TenantCreate(code=f"t{next(w.serial)}", name="企业", grade_id=w.grade_id)
            )
        )
    ],
    Action.CHANGE_TENANT_STATUS: [
        in_transaction(
            lambda s, w, a: customers.change_tenant_status(s, a, w.tenant_id, TenantStatus.ACTIVE)
        )
    ],
    Action.CREATE_USER: [
        in_transaction(lambda s, w, a: customers.create_user(s, a, _user(w, a))),
        in_transaction(lambda s, w, a: users.create_member(s, a, _member(w))),
        in_transaction(lambda s, w, a: users.list_members(s, a, limit=1, offset=0)),
        in_transaction(
            lambda s, w, a: users.list_members(s, a, limit=1, offset=0, tenant=w.tenant_id)
        ),
        in_transaction(lambda s, w, a: users.create_member(s, a, _member(w), tenant=w.tenant_id)),
    ],
    Action.CHANGE_USER_STATUS: [
        in_transaction(
            lambda s, w, a: customers.change_user_status(s, a, w.tenant_user_id, UserStatus.ACTIVE)
        ),
        in_transaction(
            lambda s, w, a: users.change_status(s, a, w.tenant_user_id, UserStatus.ACTIVE)
        ),
    ],
    Action.CHANGE_USER_ROLE: [
        in_transaction(lambda s, w, a: users.change_role(s, a, w.tenant_user_id, Role.TENANT_USER)),
    ],
    Action.CHANGE_OWN_CREDENTIALS: [
        in_transaction(
            lambda s, w, a: customers.change_password(
                s, a, PasswordChange(current_password="x", new_password="new-password-1")
            )
        )
    ],
    Action.UNLOCK_ACCOUNT: [in_transaction(lambda s, w, a: signin.unlock_account(s, a, "nobody"))],
    Action.END_USER_SESSIONS: [
        in_transaction(
            lambda s, w, a: sessions.sign_out_everywhere(s, a, w.tenant_user_id, now=NOW)
        )
    ],
    Action.RESET_PASSWORD: [
        in_transaction(
            lambda s, w, a: users.reset_password(s, a, w.tenant_user_id, tenant=w.tenant_id)
        )
    ],
    Action.MANAGE_SUPPLIERS: [
        in_transaction(
            lambda s, w, a: suppliers.create_supplier(
                s,
                a,
                SupplierCreate(name=f"s{next(w.serial)}", kind=SupplierKind.WAREHOUSE),
                SecretBox("k" * 32),
            )
        ),
        in_transaction(lambda s, w, a: suppliers.set_supplier_enabled(s, a, w.supplier_id, True)),
    ],
    Action.MANAGE_WAREHOUSE: _warehouse_calls(),
    Action.REENCRYPT_CREDENTIALS: [
        in_transaction(lambda s, w, a: suppliers.reencrypt_credentials(s, a, SecretBox("k" * 32)))
    ],
    Action.SELECT_PRODUCTS: [
        lambda w, a: selection.select_skus(w.database, None, a, [], stock_areas=[]),  # type: ignore[arg-type]
        lambda w, a: selection.deselect_products(w.database, a, w.supplier_id, [], reason="x"),
    ],
    Action.MANAGE_RULES: [
        in_transaction(lambda s, w, a: rules.create_rule(s, a, _rule(w))),
        in_transaction(lambda s, w, a: rules.update_rule(s, a, 10**9, _rule(w))),
        in_transaction(lambda s, w, a: rules.delete_rule(s, a, 10**9)),
    ],
    Action.RUN_RULES: [
        lambda w, a: rules.run_rule(w.database, None, a, 10**9, stock_areas=[]),  # type: ignore[arg-type]
        in_transaction(lambda s, w, a: rule_jobs.start_rule_job(s, a, 10**9)),
    ],
    Action.CHANGE_PRODUCT_STATUS: [
        in_transaction(lambda s, w, a: pool.change_status(s, a, 10**9, pool.PAUSED))
    ],
    Action.MANAGE_PRICING: [
        in_transaction(lambda s, w, a: pricing_rules.save_rule(s, a, _pricing_rule(w))),
        in_transaction(lambda s, w, a: pricing_rules.preview_rule(s, a, _pricing_rule(w))),
        in_transaction(lambda s, w, a: pricing_rules.delete_rule(s, a, 10**9)),
        in_transaction(lambda s, w, a: pricing_rules.set_floor(s, a, 10**9, Decimal(1))),
        in_transaction(lambda s, w, a: pricing_rules.request_full_reprice(s, a)),
        in_transaction(
            lambda s, w, a: pricing_rules.add_special_price(
                s, a, SpecialPriceInput(w.tenant_id, 10**9, 100, NOW, None)
            )
        ),
        in_transaction(lambda s, w, a: pricing_rules.delete_special_price(s, a, 10**9)),
    ],
    Action.CALIBRATE_POOL: [
        in_transaction(lambda s, w, a: freshness.start_calibration(s, a)),
    ],
    Action.MANAGE_APPS: [
        in_transaction(
            lambda s, w, a: openapi.create_app(
                s, a, w.tenant_id, AppCreate(name="x", scopes=[Scope.CATALOG_READ]), _BOX
            )
        ),
        in_transaction(
            lambda s, w, a: openapi.rotate_secret(s, a, 10**9, _BOX, now=NOW, overlap=timedelta(0))
        ),
        in_transaction(lambda s, w, a: openapi.revoke_app(s, a, now=NOW, app_id=10**9)),
        in_transaction(lambda s, w, a: openapi.list_apps(s, a, w.tenant_id)),
    ],
    Action.SET_API_LIMITS: [
        in_transaction(lambda s, w, a: openapi.set_app_rate_limit(s, a, "aknone", None)),
        in_transaction(
            lambda s, w, a: openapi.set_grade_rate_limit(
                s, a, w.grade_id, RateLimitSet(rate_per_s=1, burst=1)
            )
        ),
    ],
    Action.MANAGE_WEBHOOKS: [
        in_transaction(
            lambda s, w, a: webhooks.create_subscription(
                s, a, w.tenant_id, 10**9, _subscription(), _BOX, _HOOK_LIMITS
            )
        ),
        in_transaction(lambda s, w, a: webhooks.list_subscriptions(s, a, w.tenant_id)),
        in_transaction(lambda s, w, a: webhooks.delete_subscription(s, a, 10**9, now=NOW)),
        in_transaction(lambda s, w, a: webhooks.resume_subscription(s, a, 10**9, now=NOW)),
        in_transaction(lambda s, w, a: webhooks.replay_delivery(s, a, 10**9, now=NOW)),
    ],
    **_billing_calls(),
    Action.MANAGE_DISTRIBUTION: [
        in_transaction(lambda s, w, a: distribution.create_pool(s, a, _pool(w))),
        in_transaction(lambda s, w, a: distribution.set_pool_active(s, a, 10**9, active=False)),
        in_transaction(lambda s, w, a: distribution.add_members(s, a, 10**9, PoolMembers(ids=[1]))),
        in_transaction(
            lambda s, w, a: distribution.remove_members(s, a, 10**9, PoolMembers(ids=[1]))
        ),
        in_transaction(
            lambda s, w, a: distribution.assign_pool(
                s, a, 10**9, AssignmentCreate(grade_id=w.grade_id)
            )
        ),
        in_transaction(lambda s, w, a: distribution.unassign_pool(s, a, 10**9, 10**9)),
    ],
    Action.MANAGE_LIBRARY: [
        in_transaction(lambda s, w, a: library.add_products(s, a, [10**9])),
        in_transaction(lambda s, w, a: library.add_category(s, a, 10**9)),
        in_transaction(lambda s, w, a: library.remove_products(s, a, [10**9])),
        in_transaction(lambda s, w, a: library.set_retail_price(s, a, 10**9, 100)),
    ],
}


def actor_of(role: str, world: World) -> Actor:
    tenant_id = world.tenant_id if role in (TENANT_ADMIN, TENANT_USER) else None
    return Actor(user_id=None, username=f"{role}-probe", role=role, tenant_id=tenant_id)


async def denied(call: Call, world: World, actor: Actor) -> bool:
    """Whether the service refused the actor; any other outcome (done, not found, invalid
    input) means the permission check let it through."""
    try:
        await call(world, actor)
    except PermissionDenied:
        return True
    except Exception:
        return False
    return False


@pytest.fixture
async def world(database: Database) -> World:
    grade_id = await make_grade(database, "probe-grade")
    tenant_id = await make_tenant(database, "acme", grade_id)
    tenant_user_id = await make_user(
        database, "acme-user", role=Role.TENANT_USER, tenant_id=tenant_id
    )
    async with database.platform_transaction() as session:
        data = SupplierCreate(name="自营仓", kind=SupplierKind.WAREHOUSE)
        supplier = await suppliers.create_supplier(session, ADMIN, data, SecretBox("k" * 32))
    return World(database, grade_id, tenant_id, tenant_user_id, supplier.id, itertools.count())


def test_the_matrix_is_the_one_written_down() -> None:
    assert {action: set(roles) for action, roles in MATRIX.items()} == EXPECTED
    assert set(MATRIX) == set(Action)


def test_every_action_has_service_calls() -> None:
    assert set(CALLS) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=lambda action: action.value)
async def test_service_functions_follow_the_matrix_for_every_role(
    world: World, action: Action
) -> None:
    mismatches = []
    for role, (index, call) in itertools.product(ROLES, enumerate(CALLS[action])):
        expected_denied = role not in EXPECTED[action]
        if await denied(call, world, actor_of(role, world)) != expected_denied:
            mismatches.append((role, index, "denied" if not expected_denied else "allowed"))
    assert mismatches == []
