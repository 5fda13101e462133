"""A shop with orders and logins of every role, served by a real HCM (for the order pages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.orders.acceptance import accept_order
from hive.orders.models import Order
from hive.platform.config import Settings
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_box
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


@pytest.fixture
def hcm(settings: Settings) -> Iterator[str]:
    with running_server(create_hcm_app(settings, settings.database_url)) as url:
        yield url


@contextmanager
def client_as(url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        response = sign_in(client, username, PASSWORD)
        assert response.status_code in (200, 303), response.text
        yield client
