"""A shop with orders and logins of every role, served by a real HCM (for the order pages)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.orders.acceptance import accept_order
from hive.orders.models import Order
from hive.platform.config import Settings
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_box
from hive.suppliers.errors import SupplierUnavailable
from hive.suppliers.types import Area, OrderLine, StockLevel, StockState
from tests.orders.test_order_acceptance import Shop, buyer, request
from tests.support.console import sign_in
from tests.support.factories import make_user
from tests.support.servers import running_server

PASSWORD = "order-pages-1"
# Login -> (role, tenant: "acme", "beta" or None).
LOGINS = {
    "admin": (Role.PLATFORM_ADMIN, None),
    "operator1": (Role.OPERATOR, None),
    "finance1": (Role.FINANCE, None),
    "acme-admin": (Role.TENANT_ADMIN, "acme"),
    "acme-user": (Role.TENANT_USER, "acme"),
    "beta-admin": (Role.TENANT_ADMIN, "beta"),
}


@dataclass
class Orders:
    shop: Shop
    settings: Settings
    first: Order  # PO-1001: phone, earphones (second supplier), charger
    second: Order  # PO-1002: the charger only


async def place_orders(shop: Shop, settings: Settings) -> Orders:
    """Two acme orders (receiver 张三 13800000000), placed under the HCM's own secret."""
    box = load_secret_box(settings)
    world = shop.world
    tenants = {"acme": world.acme, "beta": world.beta}
    for username, (role, tenant) in LOGINS.items():
        tenant_id = tenants[tenant] if tenant else None
        await make_user(world.database, username, PASSWORD, role=role, tenant_id=tenant_id)
    placed = []
    second = request(shop, order_no="PO-1002")
    second = second.model_copy(update={"items": second.items[2:]})
    for order in (request(shop), second):
        async with world.database.platform_transaction() as session:
            accepted = await accept_order(session, buyer(shop.tenant), shop.tenant, order, box)
            placed.append(accepted.order)
    return Orders(shop, settings, placed[0], placed[1])


class Suppliers:
    """The suppliers the HCM's checkout asks (``app.state.adapters``), answered here: every
    area served, in stock unless a SKU is in ``out_of_stock``, freight per supplier id."""

    def __init__(self) -> None:
        self.freight_fen: dict[int, int] = {}
        self.out_of_stock: set[str] = set()

    def for_supplier(self, supplier: Any) -> _Supplier:
        return _Supplier(self, supplier.id)

    async def for_supplier_id(self, supplier_id: int) -> _Supplier:
        """Pages that ask a supplier for more (the rules' category tree) learn it is away."""
        raise SupplierUnavailable("not asked in these tests")


@dataclass
class _Supplier:
    suppliers: Suppliers
    supplier_id: int

    async def area_limits(self, skus: Sequence[str], area: Area) -> dict[str, bool]:
        return dict.fromkeys(skus, True)

    async def stock(self, items: Sequence[tuple[str, int]], area: Area) -> list[StockLevel]:
        short = self.suppliers.out_of_stock
        return [
            StockLevel(sku, StockState.OUT_OF_STOCK if sku in short else StockState.IN_STOCK, None)
            for sku, _ in items
        ]

    async def freight(self, lines: Sequence[OrderLine], area: Area) -> int:
        return self.suppliers.freight_fen.get(self.supplier_id, 0)


@pytest.fixture
def suppliers() -> Suppliers:
    return Suppliers()


@pytest.fixture
def hcm(settings: Settings, suppliers: Suppliers) -> Iterator[str]:
    app = create_hcm_app(settings, settings.database_url)
    with running_server(app) as url:
        app.state.adapters = suppliers  # set at startup; the checkout asks these instead
        yield url


@contextmanager
def client_as(url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        response = sign_in(client, username, PASSWORD)
        assert response.status_code in (200, 303), response.text
        yield client
