"""Every number the warehouse's rules use, in one place; the adapter takes a replacement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Expiry dates are calendar dates where the goods are: China.
LOCAL_TIMEZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class WarehouseRules:
    # Orders whose goods reach this amount ship free; smaller ones pay the flat fee.
    free_freight_threshold_fen: int = 9_900
    flat_freight_fen: int = 800
    # An unconfirmed reservation holds the stock this long, then is released.
    reservation_ttl: timedelta = timedelta(minutes=30)
    # How many expired reservations one transaction releases (the task loops until none).
    release_batch_size: int = 100
    # Page size of fetch_messages.
    message_batch_size: int = 100

    def freight_for(self, goods_fen: int) -> int:
        """Freight in fen for an order whose goods cost ``goods_fen``."""
        if goods_fen <= 0 or goods_fen >= self.free_freight_threshold_fen:
            return 0
        return self.flat_freight_fen


DEFAULT_RULES = WarehouseRules()


def business_date(now: datetime) -> date:
    """The local calendar day of ``now``; batches expiring on or before it are not sold."""
    return now.astimezone(LOCAL_TIMEZONE).date()
