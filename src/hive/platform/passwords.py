"""Password hashing with argon2id (argon2-cffi's recommended parameters).

A hash costs tens of milliseconds of CPU. Async code must use ``hash_password_async`` and
``check_password``: they run argon2 in a worker thread (argon2-cffi releases the GIL) behind a
small ``CapacityLimiter``, so a flood of sign-in attempts queues for the limiter instead of
stalling every request on the event loop. Sign-in is throttled before it gets here.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from functools import partial

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
DEFAULT_CONCURRENCY = 2
# Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("hive-timing-equaliser")

_limiter_lock = threading.Lock()
_limiter_size = DEFAULT_CONCURRENCY
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def configure_hashing(concurrency: int) -> None:
    """Set how many hashes run at once (``HIVE_PASSWORD_HASH_CONCURRENCY``)."""
    global _limiter_size
    with _limiter_lock:
        _limiter_size = concurrency
        _limiters.clear()


def _limiter() -> anyio.CapacityLimiter:
    # One limiter per event loop (tests run servers on loops of their own).
    key = asyncio.get_running_loop()
    with _limiter_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = anyio.CapacityLimiter(_limiter_size)
        return limiter


def hash_password(password: str) -> str:
    """Blocking: for scripts and threads only; async code uses ``hash_password_async``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always spends one argon2 verification. Blocking: async
    code uses ``check_password``."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(partial(hash_password, password), limiter=_limiter())


async def check_password(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in a worker thread, at most the configured number at once."""
    return await anyio.to_thread.run_sync(
        partial(verify_password, password_hash, password), limiter=_limiter()
    )
