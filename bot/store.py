"""The SQLite store: one file, opened once, every use-case in one explicit transaction.

Schema: bot/migrations.py, documented in docs/database.md.

Transactions: a writing use-case runs in `BEGIN IMMEDIATE` … `COMMIT` (bot.migrations.immediate)
on a connection in autocommit mode, a reading one in sqlite-utils' `db.atomic()` (a deferred
`BEGIN`), and a nested `transaction()` is an `atomic()` savepoint inside the open one.
`atomic()` alone cannot take the write lock up front, which is why writes do not use it.
Since sqlite-utils 4 every table helper (`insert`, `upsert`, …) runs in `atomic()` too, so it
joins an open transaction instead of committing it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.utils import dedupe_keys

from bot import migrations

BUSY_TIMEOUT_SECONDS = 5

Params = Sequence[Any] | Mapping[str, Any]


def iso(moment: datetime) -> str:
    """An aware datetime as ISO-8601 UTC text, the only time format stored."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware UTC datetime")
    return moment.astimezone(UTC).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Store:
    """A connection plus transactions and a few query helpers returning plain dicts."""

    def __init__(self, db: sqlite_utils.Database, path: Path):
        self.db = db
        self.path = path
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Store]:
        """One transaction; a nested call joins the open one. Rolls back on any exception.

        `write=True` takes the write lock up front (BEGIN IMMEDIATE) so a use-case that reads
        then writes cannot fail half-way with SQLITE_BUSY; waits up to the busy timeout.
        A nested call is a savepoint: it commits with the outer transaction, and an exception
        that leaves it undoes its own writes even if the outer code catches the exception.
        """
        with self._lock:
            if self.db.conn.in_transaction:
                opened = self.db.atomic()  # SAVEPOINT … RELEASE
            elif write:
                opened = migrations.immediate(self.db)
            else:
                opened = self.db.atomic()  # BEGIN … COMMIT
            with opened:
                yield self

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def all(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts; a repeated column name gets a suffix (`id`, `id_2`), as in `db.query`.

        Not `db.query` itself: since sqlite-utils 4 it wraps every SELECT in its own SAVEPOINT
        (3 statements instead of 1) to reject row-less SQL, which `execute` reports here too.
        """
        cursor = self.db.execute(sql, params)
        if cursor.description is None:
            raise ValueError("Store.all/one need SQL that returns rows: use execute()")
        keys = dedupe_keys(column[0] for column in cursor.description)
        return [dict(zip(keys, row, strict=True)) for row in cursor]

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Plain INSERT; returns the new rowid.

        `db[table].insert()` would be safe inside a transaction since sqlite-utils 4, but it
        costs extra statements (table and column look-ups, a savepoint) and creates a missing
        table instead of failing on a misspelt name.
        """
        columns = ", ".join(f"[{name}]" for name in values)
        marks = ", ".join("?" for _ in values)
        cursor = self.db.execute(
            f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(values.values())
        )
        return cursor.lastrowid or 0

    def audit(
        self,
        *,
        chat_id: int,
        action: str,
        now: datetime,
        circle_id: int | None = None,
        actor_id: int | None = None,
        detail: str = "",
    ) -> None:
        self.insert(
            "audit_log",
            {
                "circle_id": circle_id,
                "chat_id": chat_id,
                "actor_id": actor_id,
                "action": action,
                "detail": detail,
                "at": iso(now),
            },
        )

    @property
    def schema_version(self) -> int:
        return migrations.version(self.db)

    def close(self) -> None:
        self.db.close()


def connect(path: str | Path) -> sqlite_utils.Database:
    """A configured connection without migrating: WAL, foreign keys, busy timeout, autocommit."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    conn.execute("PRAGMA journal_mode = WAL")
    # With WAL, NORMAL syncs at checkpoints instead of at every commit: a committed answer
    # survives the process being killed (the WAL is written), and only an operating-system
    # crash or power loss may lose the last commits (docs/reliability.md). SQLite's own advice
    # for WAL; it is what lets answers be stored at the rate members send them.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def open_store(path: str | Path) -> Store:
    """Open (creating if needed) the database file and bring its schema up to date."""
    db = connect(path)
    try:
        migrations.migrate(db)
    except BaseException:
        db.close()
        raise
    return Store(db, Path(path))


def backup(source: str | Path, target: str | Path) -> int:
    """Copy the database with SQLite's online backup API: a consistent snapshot even while the
    bot writes (WAL readers do not block it). Returns the target's schema version."""
    source_db = sqlite3.connect(
        f"file:{Path(source)}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS
    )
    target_db = sqlite3.connect(str(target))
    try:
        source_db.backup(target_db)
        return migrations.version(sqlite_utils.Database(target_db))
    finally:
        target_db.close()
        source_db.close()
