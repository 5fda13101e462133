"""Password hashing never runs on the event loop: every argon2 call from async code happens in
a worker thread, at most the configured number at once, while the loop goes on serving."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY

from hive.platform import passwords


class RecordingHasher:
    """argon2's hasher, noting the thread of every call and how many run at once."""

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()
        self._real = passwords.PasswordHasher()

    def _enter(self) -> None:
        with self._lock:
            self.threads.append(threading.get_ident())
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)  # a slow hash: blocks whatever thread it runs on

    def _leave(self) -> None:
        with self._lock:
            self.running -= 1

    def hash(self, password: str) -> str:
        self._enter()
        try:
            return self._real.hash(password)
        finally:
            self._leave()

    def verify(self, password_hash: str, password: str) -> bool:
        self._enter()
        try:
            return self._real.verify(password_hash, password)
        finally:
            self._leave()


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingHasher]:
    recording = RecordingHasher()
    monkeypatch.setattr(passwords, "_hasher", recording)
    passwords.configure_hashing(2)
    yield recording
    passwords.configure_hashing(passwords.DEFAULT_CONCURRENCY)


async def test_hashing_runs_in_worker_threads_while_the_loop_serves(
    hasher: RecordingHasher,
) -> None:
    stored = passwords.hash_password("correct-horse-1")  # blocking form: for scripts
    hasher.threads.clear()
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    ticking = asyncio.create_task(ticker())
    checks = [passwords.check_password(stored, "wrong-guess") for _ in range(8)]
    results = await asyncio.gather(*checks, passwords.hash_password_async("another-one-2"))
    stop.set()
    await ticking
    assert results[:8] == [False] * 8 and results[8].startswith("$argon2id$")
    loop_thread = threading.get_ident()
    assert len(hasher.threads) == 9 and loop_thread not in hasher.threads
    assert hasher.most_at_once == 2  # HIVE_PASSWORD_HASH_CONCURRENCY
    # Nine 50 ms hashes, two at a time, took at least 0.2 s: on the loop, no tick could run.
    assert ticks >= 10


async def test_an_unknown_user_costs_one_verification_too(hasher: RecordingHasher) -> None:
    assert await passwords.check_password(None, "anything-1") is False
    assert len(hasher.threads) == 1 and threading.get_ident() not in hasher.threads


def test_production_hashes_use_rfc_9106_parameters() -> None:
    """The test run hashes cheaply (tests/conftest.py); a process of its own, as production
    is, hashes with argon2id at t=3, 64 MiB, p=4."""
    script = (
        "from hive.platform.passwords import hash_password; print(hash_password('pw-12345678'))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert printed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.PARAMETERS == RFC_9106_LOW_MEMORY
