"""Password hashing with argon2id (argon2-cffi's recommended parameters).

A hash costs tens of milliseconds of CPU. Async code must use ``hash_password_async`` and
``check_password``: they run argon2 in a worker thread (argon2-cffi releases the GIL) behind a
small ``CapacityLimiter``, so a flood of sign-in attempts queues for the limiter instead of
stalling every request on the event loop. Sign-in is throttled before it gets here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import weakref
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread
from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from hive.platform.config import default_of

T = TypeVar("T")
# argon2id at RFC 9106's second recommendation (t=3, 64 MiB, p=4), argon2-cffi's own default.
PARAMETERS: Parameters = RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
DEFAULT_CONCURRENCY: int = default_of("password_hash_concurrency")
DEFAULT_NICE: int = default_of("password_hash_nice")
# Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("hive-timing-equaliser")

_limiter_lock = threading.Lock()
_limiter_size = DEFAULT_CONCURRENCY
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def configure_hashing(concurrency: int, nice: int = DEFAULT_NICE) -> None:
    """Set how many hashes run at once (``HIVE_PASSWORD_HASH_CONCURRENCY``) and their
    threads' nice value (``HIVE_PASSWORD_HASH_NICE``)."""
    global _limiter_size, _nice
    with _limiter_lock:
        _limiter_size = concurrency
        _nice = nice
        _limiters.clear()


def _limiter() -> anyio.CapacityLimiter:
    # One limiter per event loop (tests run servers on loops of their own).
    key = asyncio.get_running_loop()
    with _limiter_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = anyio.CapacityLimiter(_limiter_size)
        return limiter


# Hashing threads run at a lower CPU priority (Linux applies a nice value to one thread, and
# threads argon2 starts inherit it): when the process is busy, requests on the event loop get
# the CPU first and sign-in waits, rather than the other way round.
_nice = DEFAULT_NICE
_lowered = threading.local()


def _lower_this_thread() -> None:
    if getattr(_lowered, "nice", None) == _nice:
        return
    _lowered.nice = _nice
    # Not Linux, or not allowed: the thread keeps its priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _nice)


def _in_hashing_thread(function: Callable[[], T]) -> T:
    _lower_this_thread()
    return function()


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
    work = partial(_in_hashing_thread, partial(hash_password, password))
    return await anyio.to_thread.run_sync(work, limiter=_limiter())


async def check_password(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in a low-priority worker thread, at most the configured number at
    once."""
    work = partial(_in_hashing_thread, partial(verify_password, password_hash, password))
    return await anyio.to_thread.run_sync(work, limiter=_limiter())
