"""An order's page and its forms — show the whole receiver (audited), cancel — as the operators'
console and the tenant workbench both serve them: one page, two ways to find the order.

Staff find any tenant's order by its id, in a platform transaction, and see the tenant, the
suppliers, holds and money movements; a tenant finds its own order by its number, in its own
transaction, where row-level security hides every other tenant's order (their numbers answer
the 404 page). Which side may do what stays with the permissions matrix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from hive.console.pages import back_link, redirect_with_flash, render
from hive.orders import detail
from hive.orders.errors import OrderNotCancellable
from hive.orders.personal import Receiver
from hive.orders.receivers import reveal_receiver
from hive.platform.actor import Actor
from hive.platform.crypto import SecretUnreadable
from hive.platform.permissions import Action, allowed

# Order statuses in which a cancellation can still be asked (before shipment).
CANCELLABLE = frozenset({"accepted", "submitted", "confirmed", "partially_failed"})


@dataclass(frozen=True, slots=True)
class OrderPages:
    """One side's order pages: ``home`` is the order list they belong to (and go back to), an
    order's page is ``home/<key>``; ``staff`` pages show what only the platform sees."""

    home: str
    staff: bool

    def page(
        self,
        request: Request,
        actor: Actor,
        key: str,
        page: detail.OrderPage,
        *,
        receiver: Receiver | str | None,
    ) -> Response:
        """The order's page; ``receiver`` is the whole receiver once shown, else ``None``."""
        here = f"{self.home}/{key}"
        return render(
            request,
            "order_detail.html",
            actor=actor,
            page=page,
            receiver=receiver,
            staff=self.staff,
            may_reveal=allowed(actor.role, Action.VIEW_RECEIVER),
            reveal_action=f"{here}/receiver",
            may_cancel=allowed(actor.role, Action.CANCEL_ORDER)
            and page.order.status in CANCELLABLE,
            cancel_action=f"{here}/cancel",
            **self._held(actor, here),
            back=back_link(request, self.home),
            trail=[(page.order.order_no, None)],
        )

    def _held(self, actor: Actor, here: str) -> dict[str, Any]:
        if not self.staff:
            return {}
        may = allowed(actor.role, Action.RESOLVE_HELD_ORDER)
        return {"may_resolve_held": may, "held_action": f"{here}/held"}

    def back_to_page(self, request: Request, key: str) -> str:
        """The order's page, keeping where it was opened from."""
        return f"{self.home}/{quote(key)}?back={quote(back_link(request, self.home))}"

    async def cancel(
        self, request: Request, key: str, cancel: Callable[[], Awaitable[object]]
    ) -> Response:
        """Run ``cancel`` and go back to the order's page with a flash: a shipped order is
        refused with a message and nothing changes."""
        here = self.back_to_page(request, key)
        try:
            await cancel()
        except OrderNotCancellable:
            return redirect_with_flash(here, "orders.cancel_refused", level="error")
        return redirect_with_flash(here, "orders.cancel_done")


async def revealed_receiver(
    session: Any, actor: Actor, page: detail.OrderPage, request: Request
) -> Receiver | str:
    """The order's whole receiver (the viewing is audited), or ``"unreadable"`` when the key
    that sealed it is gone."""
    try:
        return await reveal_receiver(session, actor, page.order, request.app.state.secrets)
    except SecretUnreadable:
        return "unreadable"
