"""Demo data for ``hive seed`` and ``hive up``: grades, staff logins, two tenants, suppliers,
and selection rules that fill the pool from the simulator like a small real business: phones
and laptops, home appliances, food and drinks.

Idempotent: running it again leaves existing rows alone. Each rule is created once, with a job
that runs it as soon as the worker is up (the simulator must answer, so it cannot run here);
they are also scheduled, so the pool follows the simulator every night.

The rules select by the simulator's categories (its JD category ids, see
``hive.simulators.vop.category_data``), not by keywords: the keyword 手机 also names 手机壳 and
chargers, 笔记本 also paper notebooks.

Money: acme is funded once, as finance would on its first day: a prepaid top-up and a credit
line, each through the billing service under a fixed operation key, so seeding again moves
nothing (``_seed_funding``).

Distribution: a default pool for every grade, a food-and-drinks category pool for gold
customers and acme's exclusive pool; a job fills the last two and acme's library once every
demo rule has run (``fill_demo_distribution``), then defers the job placing acme's demo orders
(``hive.demo_orders``: one order resting in each state, on the self-run warehouse).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import service as billing
from hive.billing.schemas import CreditLimit, TopUp
from hive.catalog import reference
from hive.catalog.distribution import repository as distribution_pools
from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from hive.catalog.distribution.tasks import defer_demo_fill
from hive.catalog.library import service as library
from hive.catalog.pricing import rules as pricing_rules
from hive.catalog.search.service import PoolQuery, SortOrder, search_pool
from hive.catalog.selection import rules
from hive.catalog.selection import tasks as rule_tasks
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.customers import service as customers
from hive.customers.models import CustomerGrade
from hive.customers.schemas import GradeCreate, TenantCreate, UserCreate
from hive.openapi import service as openapi
from hive.openapi.schemas import AppCreate
from hive.openapi.scopes import ALL_SCOPES
from hive.orders.demo_tasks import defer_demo_orders
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_box
from hive.simulators.vop.config import SimulatorConfig
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.types import SupplierKind

DEMO_VOP_SUPPLIER = "京东VOP（模拟器）"
DEMO_WAREHOUSE_SUPPLIER = "自营仓"
DEMO_RULE = "演示选品：手机与笔记本"
# Simulator categories: 655 手机 (phones, not 手机配件), 672 笔记本 (laptops, not 办公文具),
# 794 大家电 (TVs, air conditioners), 1320 食品饮料 (dairy, water, snacks, biscuits).
PHONES, LAPTOPS, BIG_APPLIANCES, FOOD_AND_DRINKS = 655, 672, 794, 1320
DEMO_RULE_CONDITIONS = RuleConditions(
    category_whitelist=[PHONES, LAPTOPS],
    min_margin_percent=Decimal("3"),
    require_in_stock=True,
    max_products=120,
)
DEMO_RULES: list[tuple[str, RuleConditions]] = [
    (DEMO_RULE, DEMO_RULE_CONDITIONS),
    (
        "演示选品：家用电器",
        RuleConditions(
            category_whitelist=[BIG_APPLIANCES],
            min_margin_percent=Decimal("3"),
            require_in_stock=True,
            max_products=50,
        ),
    ),
    (
        "演示选品：食品饮料",
        RuleConditions(
            category_whitelist=[FOOD_AND_DRINKS],
            min_margin_percent=Decimal("3"),
            require_in_stock=True,
            max_products=50,
        ),
    ),
]

SEED_ACTOR = Actor(user_id=None, username="seed", role=Role.PLATFORM_ADMIN.value)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    tenant_code: str | None = None


# Price coefficients (docs/pricing.md): editable on the pricing page.
DEMO_GRADES = [
    GradeCreate(
        code="standard", name="普通", price_coefficient=Decimal("1.0000"), description="默认等级"
    ),
    GradeCreate(
        code="silver",
        name="银牌",
        price_coefficient=Decimal("0.9800"),
        description="年采购额十万以上",
    ),
    GradeCreate(
        code="gold",
        name="金牌",
        price_coefficient=Decimal("0.9500"),
        description="年采购额百万以上",
    ),
    GradeCreate(
        code="diamond", name="钻石", price_coefficient=Decimal("0.9200"), description="战略合作伙伴"
    ),
]

DEMO_TENANTS = [
    ("acme", "示例科技有限公司", "金牌", "张经理", "13800000001", "buyer@acme.example.com"),
    ("globex", "环球福利商城", "普通", "李主管", "13800000002", "ops@globex.example.com"),
]

DEMO_LOGINS = [
    DemoLogin("admin", "hive-admin-2026", Role.PLATFORM_ADMIN),
    DemoLogin("operator", "hive-operator-2026", Role.OPERATOR),
    DemoLogin("finance", "hive-finance-2026", Role.FINANCE),
    DemoLogin("acme-admin", "acme-admin-2026", Role.TENANT_ADMIN, "acme"),
    DemoLogin("globex-admin", "globex-admin-2026", Role.TENANT_ADMIN, "globex"),
]


@dataclass(frozen=True)
class DemoApp:
    """The demo tenant's Open API app; fixed key and secret, like the demo passwords."""

    tenant_code: str
    name: str
    app_key: str
    app_secret: str


DEMO_APP = DemoApp("acme", "演示集成", "akdemoacme000000000001", "acme-demo-app-secret-2026")


async def seed_demo_data(database: Database, settings: Settings) -> None:
    async with database.platform_transaction() as session:
        grade_ids = await _seed_grades(session)
        tenant_ids = await _seed_tenants(session, grade_ids)
        await _seed_logins(session, tenant_ids)
        await _seed_open_app(session, settings, tenant_ids)
        await _seed_funding(session, tenant_ids)
        await _seed_suppliers(session, settings)
        await _seed_pool_rules(session)
        await _seed_distribution(session, grade_ids, tenant_ids)


# acme's money on day one (fen): a prepaid top-up and a credit line, each written once.
DEMO_FUNDED_TENANT = "acme"
DEMO_TOP_UP_FEN = 50_000_00
DEMO_CREDIT_LIMIT_FEN = 20_000_00
DEMO_TOP_UP_KEY = "demo:top-up"
DEMO_CREDIT_LIMIT_KEY = "demo:credit-limit"
DEMO_TOP_UP_NOTE = "演示充值"
DEMO_CREDIT_LIMIT_NOTE = "演示授信"


async def _seed_funding(session: AsyncSession, tenant_ids: dict[str, int]) -> None:
    """Fund the demo tenant through the ledger (audited as the seed); the operation keys make a
    second seeding find the first entries and move nothing, whatever finance changed since."""
    tenant_id = tenant_ids[DEMO_FUNDED_TENANT]
    top_up = TopUp(tenant_id=tenant_id, amount_fen=DEMO_TOP_UP_FEN, note=DEMO_TOP_UP_NOTE)
    await billing.top_up(session, SEED_ACTOR, top_up, operation_key=DEMO_TOP_UP_KEY)
    line = CreditLimit(
        tenant_id=tenant_id, limit_fen=DEMO_CREDIT_LIMIT_FEN, note=DEMO_CREDIT_LIMIT_NOTE
    )
    await billing.set_credit_limit(session, SEED_ACTOR, line, operation_key=DEMO_CREDIT_LIMIT_KEY)


async def _seed_suppliers(session: AsyncSession, settings: Settings) -> None:
    """The built-in VOP simulator and the self-run warehouse, as operators would add them."""
    existing = {supplier.name for supplier in await suppliers.list_suppliers(session)}
    simulator = SimulatorConfig()
    demo = [
        SupplierCreate(
            name=DEMO_VOP_SUPPLIER,
            kind=SupplierKind.VOP,
            base_url=f"http://{settings.host}:{settings.vop_sim_port}",
            credentials=VopCredentials(
                client_id=simulator.client_id,
                client_secret=simulator.client_secret,
                username=simulator.username,
                password=simulator.password,
            ),
            rate_limits={"*": 50.0},
        ),
        SupplierCreate(name=DEMO_WAREHOUSE_SUPPLIER, kind=SupplierKind.WAREHOUSE),
    ]
    secrets = load_secret_box(settings)
    for data in demo:
        if data.name not in existing:
            await suppliers.create_supplier(session, SEED_ACTOR, data, secrets)


async def _seed_open_app(
    session: AsyncSession, settings: Settings, tenant_ids: dict[str, int]
) -> None:
    tenant_id = tenant_ids[DEMO_APP.tenant_code]
    if any(
        app.app_key == DEMO_APP.app_key
        for app in await openapi.list_apps(session, SEED_ACTOR, tenant_id)
    ):
        return
    data = AppCreate(name=DEMO_APP.name, scopes=list(ALL_SCOPES))
    await openapi.create_app(
        session,
        SEED_ACTOR,
        tenant_id,
        data,
        load_secret_box(settings),
        app_key=DEMO_APP.app_key,
        app_secret=DEMO_APP.app_secret,
    )


async def _seed_pool_rules(session: AsyncSession) -> None:
    """Scheduled rules on the simulator, each run once by the worker as soon as it starts."""
    existing = {rule.name for rule in await rules.list_rules(session)}
    vop = {s.name: s.id for s in await suppliers.list_suppliers(session)}[DEMO_VOP_SUPPLIER]
    for name, conditions in DEMO_RULES:
        if name in existing:
            continue
        data = RuleCreate(name=name, supplier_id=vop, conditions=conditions, scheduled=True)
        rule = await rules.create_rule(session, SEED_ACTOR, data)
        await rule_tasks.defer_rule_run(session, rule.id)


async def _seed_grades(session: AsyncSession) -> dict[str, int]:
    grades = await customers.list_grades(session)
    await _backfill_demo_codes(session, grades)
    existing = {grade.name: grade.id for grade in grades}
    missing = [grade for grade in DEMO_GRADES if grade.name not in existing]
    for grade in missing:
        existing[grade.name] = (await customers.create_grade(session, SEED_ACTOR, grade)).id
    if missing:
        # A new grade has no prices yet: every product is priced for it by the reprice job.
        await pricing_rules.start_full_reprice(session, "demo grades")
    return existing


async def _backfill_demo_codes(session: AsyncSession, grades: Sequence[CustomerGrade]) -> None:
    """A demo grade seeded before grades had codes gets its demo code (unless another grade
    took that code meanwhile; migration 0034 gave it one then)."""
    taken = {grade.code for grade in grades if grade.code is not None}
    wanted = {demo.name: demo for demo in DEMO_GRADES}
    for grade in grades:
        demo = wanted.get(grade.name)
        if grade.code is None and demo is not None and demo.code not in taken:
            data = demo.model_copy(update={"description": grade.description})
            await customers.update_grade(session, SEED_ACTOR, grade.id, data)
            taken.add(str(demo.code))


async def _seed_tenants(session: AsyncSession, grade_ids: dict[str, int]) -> dict[str, int]:
    tenants, _ = await customers.list_tenants(session, limit=1000)
    existing = {tenant.code: tenant.id for tenant in tenants}
    for code, name, grade, contact, phone, email in DEMO_TENANTS:
        if code in existing:
            continue
        data = TenantCreate(
            code=code,
            name=name,
            grade_id=grade_ids[grade],
            contact_name=contact,
            contact_phone=phone,
            contact_email=email,
        )
        existing[code] = (await customers.create_tenant(session, SEED_ACTOR, data)).id
    return existing


async def _seed_logins(session: AsyncSession, tenant_ids: dict[str, int]) -> None:
    for login in DEMO_LOGINS:
        if await customers.find_user(session, login.username) is not None:
            continue
        data = UserCreate(
            username=login.username,
            display_name=login.username,
            password=login.password,
            role=login.role,
            tenant_id=tenant_ids[login.tenant_code] if login.tenant_code else None,
        )
        await customers.create_user(session, SEED_ACTOR, data)


# Distribution: everything for every grade but the products reserved for acme, food and
# drinks once more as a category pool for gold customers, and acme's exclusive products.
DEMO_DEFAULT_POOL = "全部商品"
DEMO_CATEGORY_POOL = "食品饮料专区"
DEMO_EXCLUSIVE_POOL = "acme 专属商品"
DEMO_FOOD_CATEGORY = "食品饮料"
GOLD = "金牌"  # the category pool's grade (acme's)
DEMO_EXCLUSIVE_PRODUCTS = 2
DEMO_LIBRARY_PRODUCTS = 8
DEMO_MIN_PRODUCTS = 20


async def _seed_distribution(
    session: AsyncSession, grade_ids: dict[str, int], tenant_ids: dict[str, int]
) -> None:
    """The three demo pools and their assignments; their products and acme's library follow
    in a job once the demo rules have filled the pool."""
    if await distribution_pools.pool_named(session, DEMO_DEFAULT_POOL):
        return
    every_grade = [AssignmentCreate(grade_id=g) for g in grade_ids.values()]
    pools = [
        (DEMO_DEFAULT_POOL, PoolKind.DEFAULT, every_grade),
        (DEMO_CATEGORY_POOL, PoolKind.CATEGORY, [AssignmentCreate(grade_id=grade_ids[GOLD])]),
        (DEMO_EXCLUSIVE_POOL, PoolKind.EXCLUSIVE, [AssignmentCreate(tenant_id=tenant_ids["acme"])]),
    ]
    for name, kind, targets in pools:
        pool = await distribution.create_pool(session, SEED_ACTOR, PoolCreate(name=name, kind=kind))
        for target in targets:
            await distribution.assign_pool(session, SEED_ACTOR, pool.id, target)
    await defer_demo_fill(session)


async def fill_demo_distribution(session: AsyncSession) -> bool:
    """Fill the demo category and exclusive pools and acme's library from the pool's products;
    False (nothing done) while a demo rule has not run yet or the pool has too few products.

    Waiting for every rule, not only for enough products: the first rule to finish (all air
    conditioners) used to fill acme's library and exclusive pool on its own."""
    if not await _demo_rules_ran(session):
        return False
    hits = (await search_pool(session, PoolQuery(sort=SortOrder.SALES, page_size=50))).hits
    food = await _category_named(session, DEMO_FOOD_CATEGORY)
    if len(hits) < DEMO_MIN_PRODUCTS or food is None:
        return False
    category_pool = await distribution_pools.pool_named(session, DEMO_CATEGORY_POOL)
    exclusive_pool = await distribution_pools.pool_named(session, DEMO_EXCLUSIVE_POOL)
    if category_pool is None or exclusive_pool is None:
        return True  # an operator removed or renamed them: leave the pools alone
    await distribution.add_members(session, SEED_ACTOR, category_pool.id, PoolMembers(ids=[food]))
    reserved = PoolMembers(ids=[hit.id for hit in hits[-DEMO_EXCLUSIVE_PRODUCTS:]])
    await distribution.add_members(session, SEED_ACTOR, exclusive_pool.id, reserved)
    tenants, _ = await customers.list_tenants(session, limit=1000)
    acme = next(t.id for t in tenants if t.code == "acme")
    buyer = Actor(user_id=None, username="seed", role=Role.TENANT_ADMIN.value, tenant_id=acme)
    chosen = [hit.id for hit in hits[:DEMO_LIBRARY_PRODUCTS]] + reserved.ids
    await library.add_products(session, buyer, chosen)
    await defer_demo_orders(session)  # acme's first orders (hive.demo_orders)
    return True


async def _demo_rules_ran(session: AsyncSession) -> bool:
    """Whether every demo rule still there has run once (one an operator deleted is not
    waited for)."""
    names = {name for name, _ in DEMO_RULES}
    demo_rules = [rule for rule in await rules.list_rules(session) if rule.name in names]
    return all(rule.last_run_at is not None for rule in demo_rules)


async def _category_named(session: AsyncSession, name: str) -> int | None:
    for category in await reference.list_categories(session):
        if category.name == name and category.level == 1:
            return category.id
    return None
