"""Pooled connections checked for life on checkout, mostly without a round trip.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` on every checkout: one round trip per
transaction, four per order accepted over the Open API. Instead (:func:`install`):

* A connection back from the pool after less than :data:`PING_AFTER_IDLE_S` is checked where it
  is: psycopg still calls it usable (open, not broken, no transaction left open) and its socket
  has nothing to read. A server never writes to an idle connection unasked, so anything waiting
  there means the server ended it: a restart or crash closes every backend's socket as the
  backend dies, and ``pg_terminate_backend`` or ``idle_session_timeout`` send a FATAL message
  and close it.
* A connection idle for longer is pinged as ``pool_pre_ping`` did: a firewall or NAT that
  dropped a long-idle connection leaves nothing on the socket to see.
* A new connection is checked by neither (it has just spoken to the server).

A check that fails raises :class:`~sqlalchemy.exc.DisconnectionError`: the pool drops that
connection and hands out a new one, and the caller never sees the dead one.
"""

from __future__ import annotations

import select
import time
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

PING_AFTER_IDLE_S = 10.0
_RETURNED = "hive_returned_at"  # the connection record's info: when it went back to the pool
_ENDED = select.POLLIN | select.POLLHUP | select.POLLERR


def install(engine: AsyncEngine) -> None:
    """Check ``engine``'s pooled connections on checkout (module docstring)."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "connect")
    def connected(dbapi_connection: Any, record: Any) -> None:
        record.info.pop(_RETURNED, None)

    @event.listens_for(pool, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED)
        if returned_at is None:
            return
        if time.monotonic() - returned_at >= PING_AFTER_IDLE_S:
            _ping(dialect, dbapi_connection)
        elif not usable(record.driver_connection):
            raise DisconnectionError("the server ended this pooled connection")


def usable(connection: Any) -> bool:
    """Whether a psycopg connection idle in the pool can still be used, judged without asking
    the server: open, not broken, outside any transaction, and nothing waiting to be read."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), _ENDED)
    return not poller.poll(0)


def _ping(dialect: Dialect, dbapi_connection: Any) -> None:
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:
        raise DisconnectionError("a long-idle pooled connection did not answer") from error
