"""The upstream cancel of a sub-order placed with its supplier (deferred by
:func:`hive.orders.cancellation.cancel_order`).

The supplier is called outside any transaction; then, in one short transaction, the answer is
recorded through :func:`~hive.orders.lifecycle.apply_event`:

* cancelled upstream (or already cancelled there, or never arrived there): the sub-order moves
  to ``cancelled`` and what its freeze holds is released;
* the supplier refuses (``supplier_cannot_cancel``: in production or shipped): a
  ``cancel_refused`` timeline line; the sub-order goes on and its money stays frozen;
* the supplier unreachable: the job fails and procrastinate retries it (backing off).

A sub-order that reached a final state or shipped meanwhile (a change-feed message came first)
is left alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from procrastinate import RetryStrategy
from procrastinate.job_context import JobContext

from hive.orders import repository
from hive.orders.lifecycle import apply_event
from hive.orders.models import OrderEvent
from hive.orders.status import Decision, Outcome, SubOrderEvent, SubOrderStatus, decide
from hive.platform.db import Database
from hive.platform.jobs import job_app, runtime_of
from hive.platform.logging import get_logger
from hive.suppliers.errors import CannotCancel, UpstreamNotFound, UpstreamOrderCancelled
from hive.suppliers.protocol import SupplierAdapter

# Supplier outages: about an hour of attempts (2 s, 4 s, … doubling) before the job gives up
# and the operators see it failed on the jobs page.
CANCEL_RETRY = RetryStrategy(max_attempts=12, exponential_wait=2)

log = get_logger("hive.orders.cancellation")

AdapterFor = Callable[[int], Awaitable[SupplierAdapter]]


async def cancel_upstream(
    database: Database, adapter_for: AdapterFor, sub_order_no: str
) -> Decision | None:
    """Ask the supplier to cancel ``sub_order_no`` and record its answer (module docstring);
    the decision applied, or None when nothing was to be done or the supplier refused."""
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, sub_order_no)
    if sub is None:
        return None
    if decide(SubOrderStatus(sub.status), SubOrderEvent.CANCELLED).outcome is not Outcome.MOVED:
        return None
    adapter = await adapter_for(sub.supplier_id)
    upstream_id = sub.upstream_order_id or await adapter.find_order(sub_order_no)
    answer = "never_arrived"
    if upstream_id is not None:
        try:
            await adapter.cancel_order(upstream_id)
            answer = "cancelled"
        except (UpstreamOrderCancelled, UpstreamNotFound):
            answer = "already_cancelled"
        except CannotCancel as refusal:
            await _record_refusal(database, sub_order_no, refusal.code)
            return None
    async with database.platform_transaction() as session:
        return await apply_event(
            session,
            sub_order_no,
            SubOrderEvent.CANCELLED,
            source="supplier",
            details={"upstream": answer, "supplier_order_id": upstream_id},
        )


async def _record_refusal(database: Database, sub_order_no: str, code: str) -> None:
    async with database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, sub_order_no)
        order = await repository.lock_order(session, sub.order_id) if sub else None
        if sub is None or order is None:
            return
        await repository.add(
            session,
            OrderEvent.note(
                sub,
                "cancel_refused",
                outcome=Outcome.REFUSED,
                source="supplier",
                details={"code": code},
            ),
        )
    log.info("upstream cancel refused", sub_order_no=sub_order_no, code=code)


@job_app.task(
    name="hive.orders.cancel_upstream", queue="orders", pass_context=True, retry=CANCEL_RETRY
)
async def cancel_upstream_job(context: JobContext, sub_order_no: str) -> None:
    """The job of :func:`cancel_upstream`."""
    runtime = runtime_of(context)
    await cancel_upstream(runtime.database, runtime.adapter_for, sub_order_no)
