"""The simulator's own small state file (SQLite): tokens, orders, after-sales, messages,
balance and drift overlays. Everything else is a pure function and is never stored.

Calls are short synchronous transactions made from the event loop thread, guarded by a lock
so a test thread or the background ticker can share the connection safely.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    access_token TEXT PRIMARY KEY, refresh_token TEXT UNIQUE NOT NULL,
    expires_at REAL NOT NULL, refresh_expires_at REAL NOT NULL, revoked INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS orders (
    jd_order_id INTEGER PRIMARY KEY, third_order TEXT UNIQUE, parent_id INTEGER NOT NULL,
    due_at REAL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_due ON orders (due_at) WHERE due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS afs (
    afs_service_id INTEGER PRIMARY KEY, jd_order_id INTEGER NOT NULL, due_at REAL,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS afs_due ON afs (due_at) WHERE due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, type INTEGER NOT NULL, time REAL NOT NULL,
    result TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_pending ON messages (type, id) WHERE deleted = 0;
CREATE TABLE IF NOT EXISTS balance_detail (
    id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL, amount_fen INTEGER NOT NULL,
    trade_type INTEGER NOT NULL, trade_name TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS overlays (
    sku_id INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (sku_id, kind));
"""

# Columns added after a table first shipped: older state files get them on open.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("afs", "third_apply_id", "TEXT"),
    ("orders", "created_at", "REAL NOT NULL DEFAULT 0"),
    ("orders", "delivered_at", "REAL"),
)
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS afs_third_apply ON afs (third_apply_id);
CREATE INDEX IF NOT EXISTS orders_created ON orders (created_at);
CREATE INDEX IF NOT EXISTS orders_delivered ON orders (delivered_at);
"""

Row = tuple[object, ...]


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            self._add_columns()
            self._conn.executescript(INDEXES)

    def _add_columns(self) -> None:
        for table, column, kind in ADDED_COLUMNS:
            present = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; nested use joins the outer one."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def get_kv(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM kv WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_kv(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def next_id(self, key: str, start: int) -> int:
        """A persistent counter (order ids, service ids): never hands out the same id twice."""
        with self.transaction():
            current = self.get_kv(key)
            value = start if current is None else int(current) + 1
            self.set_kv(key, str(value))
        return value

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
