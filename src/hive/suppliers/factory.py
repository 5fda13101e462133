"""Building the adapter for a registered supplier (one per supplier and process, reused)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.suppliers import service
from hive.suppliers.errors import InvalidSupplierConfig
from hive.suppliers.models import Supplier
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.resilience.breaker_log import BreakerLog
from hive.suppliers.resilience.guard import CallGuard
from hive.suppliers.resilience.rate_limit import RateLimiter
from hive.suppliers.types import SupplierKind
from hive.suppliers.vop.adapter import VopAdapter
from hive.suppliers.vop.token import TokenManager
from hive.suppliers.vop.transport import VopTransport
from hive.suppliers.warehouse.adapter import WarehouseAdapter


@dataclass
class _Built:
    adapter: SupplierAdapter
    version: datetime


class AdapterFactory:
    """Adapters for suppliers; rebuilt when an operator changes the supplier's row."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        secrets: SecretBox,
        http: httpx.AsyncClient,
        limiter: RateLimiter,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._clock = clock
        self._database = database
        self._settings = settings
        self._secrets = secrets
        self._http = http
        self._limiter = limiter
        self._built: dict[int, _Built] = {}
        # Breaker transitions of every adapter built here, for the admin dashboard.
        self.breaker_log = BreakerLog(database)

    async def for_supplier_id(self, supplier_id: int) -> SupplierAdapter:
        async with self._database.platform_transaction() as session:
            supplier = await service.get_enabled_supplier(session, supplier_id)
        return self.for_supplier(supplier)

    def for_supplier(self, supplier: Supplier) -> SupplierAdapter:
        built = self._built.get(supplier.id)
        if built is None or built.version != supplier.updated_at:
            built = _Built(self._build(supplier), supplier.updated_at)
            self._built[supplier.id] = built
        return built.adapter

    async def __call__(self, supplier: Supplier) -> SupplierAdapter:
        """The factory as the change-feed consumer takes it."""
        return self.for_supplier(supplier)

    def _build(self, supplier: Supplier) -> SupplierAdapter:
        if supplier.kind == SupplierKind.VOP.value:
            return self._vop(supplier)
        if supplier.kind == SupplierKind.WAREHOUSE.value:
            return WarehouseAdapter(self._database, supplier.id)
        raise InvalidSupplierConfig(details={"kind": supplier.kind})

    def _vop(self, supplier: Supplier) -> VopAdapter:
        transport = VopTransport(
            supplier.base_url, self._http, timeout_s=self._settings.supplier_timeout_s
        )
        tokens = TokenManager(
            database=self._database,
            supplier_id=supplier.id,
            credentials=service.vop_credentials(supplier, self._secrets),
            secrets=self._secrets,
            transport=transport,
            refresh_margin_s=self._settings.supplier_token_refresh_margin_s,
        )
        guard = CallGuard(
            supplier_id=supplier.id,
            supplier_name=supplier.name,
            rate_limits=dict(supplier.rate_limits),
            limiter=self._limiter,
            settings=self._settings,
            clock=self._clock,
            breaker_log=self.breaker_log,
        )
        return VopAdapter(supplier_id=supplier.id, transport=transport, tokens=tokens, guard=guard)
