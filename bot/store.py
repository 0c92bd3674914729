"""The SQLite store: one file, opened once, every use-case in one explicit transaction.

Schema: bot/migrations.py, documented in docs/database.md.

Transactions: a writing use-case runs in `BEGIN IMMEDIATE` … `COMMIT` (bot.migrations.immediate)
on a connection in autocommit mode, a reading one in sqlite-utils' `db.atomic()` (a deferred
`BEGIN`), and a nested `transaction()` is a savepoint inside the open one.
`atomic()` alone cannot take the write lock up front, which is why writes do not use it.
Grouped transactions (answers, handled marks) may share one COMMIT while the bot runs
(`Store.group_commits`).
Since sqlite-utils 4 every table helper (`insert`, `upsert`, …) runs in `atomic()` too, so it
joins an open transaction instead of committing it.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.utils import dedupe_keys

from bot import migrations

BUSY_TIMEOUT_SECONDS = 5
MEMO_SIZE = 10_000

Params = Sequence[Any] | Mapping[str, Any]


def iso(moment: datetime) -> str:
    """An aware datetime as ISO-8601 UTC text, the only time format stored."""
    if moment.tzinfo is UTC:  # most are (Telegram's dates, the clock): no conversion
        return moment.isoformat()
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
        # Values read from rows that never change once written (a sent post, by its message
        # id): `remember` keeps at most MEMO_SIZE of them.
        self.memo: dict[Hashable, Any] = {}
        self._depth = 0  # transaction() calls open right now (nested ones included)
        self._schedule: Callable[[Callable[[], None]], object] | None = None
        self._group_open = False
        self._groups = 0  # groups opened so far: a scheduled commit is for one of them
        # Last writes of a group, made just before its COMMIT (the receiver's handled marks).
        self.group_closing: list[Callable[[], None]] = []
        # Told how each group ended: None when it committed, the error when it was lost.
        self.group_ended: list[Callable[[sqlite3.Error | None], None]] = []

    def group_commits(self, schedule: Callable[[Callable[[], None]], object]) -> None:
        """Let `transaction(grouped=True)` share one COMMIT; `schedule(commit)` arranges the
        latest moment for each group's (the bot: `loop.call_later`).

        A grouped transaction opens the group (`BEGIN IMMEDIATE`) if none is open and runs as a
        savepoint inside it, so a burst of answers and handled marks costs one COMMIT instead
        of one each. Any other writing transaction commits the group with its own writes, and
        so does `flush()`, which the bot calls before every request to Telegram: nothing is
        sent before the writes it follows are committed.
        """
        self._schedule = schedule

    @contextmanager
    def transaction(self, write: bool = True, grouped: bool = False) -> Iterator[Store]:
        """One transaction; a nested call joins the open one. Rolls back on any exception.

        `write=True` takes the write lock up front (BEGIN IMMEDIATE) so a use-case that reads
        then writes cannot fail half-way with SQLITE_BUSY; waits up to the busy timeout.
        A nested call is a savepoint: it commits with the outer transaction, and an exception
        that leaves it undoes its own writes even if the outer code catches the exception.
        `grouped=True`: see `group_commits`; without it, the same as a writing transaction.
        """
        with self._lock:
            outermost = self._depth == 0
            commit_group = outermost and self._group_open and write and not grouped
            self._depth += 1
            try:
                if outermost and grouped and not self._group_open and self._schedule is not None:
                    self._open_group()
                if self.db.conn.in_transaction:
                    # Nested, or in the open group (whose writes are not this use-case's): a
                    # savepoint, so a failure undoes this use-case's own writes only. Not
                    # `db.atomic()`: it names each savepoint at random, so SQLite would prepare
                    # the statements anew every time. One name serves every depth: RELEASE and
                    # ROLLBACK TO act on the innermost of that name.
                    execute = self.db.conn.execute
                    execute("SAVEPOINT store")
                    try:
                        yield self
                    except BaseException:
                        # SQLite may have rolled back by itself (SQLITE_FULL), savepoint and all.
                        if self.db.conn.in_transaction:
                            execute("ROLLBACK TO store")
                            execute("RELEASE store")
                        raise
                    execute("RELEASE store")
                elif not write:
                    with self.db.atomic():  # BEGIN … COMMIT
                        yield self
                else:
                    with migrations.immediate(self.db):
                        yield self
            finally:
                self._depth -= 1
            if commit_group:
                self.commit()

    def join_group(self) -> bool:
        """Open the group if none is open (its COMMIT is scheduled); False without grouped
        commits, or inside another transaction: then the caller writes at once."""
        with self._lock:
            if self._group_open:
                return True
            if self._depth or self._schedule is None:
                return False
            self._open_group()
            return True

    def _open_group(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self._group_open = True
        self._groups += 1
        group = self._groups
        self._schedule(lambda: self._commit_later(group))  # type: ignore[misc]

    def commit(self) -> None:
        """Commit the open group, if any; a failure rolls it back, tells `group_ended`, raises."""
        with self._lock:
            if not self._group_open or self._depth:
                return
            self._group_open = False
            try:
                for write in self.group_closing:
                    write()
                self.db.execute("COMMIT")
            except sqlite3.Error as error:
                if self.db.conn.in_transaction:
                    self.db.rollback()
                self._tell(error)
                raise
            self._tell(None)

    def _tell(self, error: sqlite3.Error | None) -> None:
        for listener in self.group_ended:
            listener(error)

    def flush(self) -> None:
        """Commit the open group, if any, for a caller that cannot act on its failure (a
        request to Telegram about to go out): the `group_ended` listeners take care of it."""
        with contextlib.suppress(sqlite3.Error):
            self.commit()

    def _commit_later(self, group: int) -> None:
        if group == self._groups:  # else it was committed already, by a write or a request
            self.flush()

    def remember(self, key: Hashable, value: Any) -> None:
        if len(self.memo) >= MEMO_SIZE:
            self.memo.clear()  # crude, and rare: the next look-ups read the rows again
        self.memo[key] = value

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        cursor = self._query(sql, params)
        row = cursor.fetchone()
        return dict(zip(_keys(cursor), row, strict=True)) if row is not None else None

    def all(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts; a repeated column name gets a suffix (`id`, `id_2`), as in `db.query`.

        Not `db.query` itself: since sqlite-utils 4 it wraps every SELECT in its own SAVEPOINT
        (3 statements instead of 1) to reject row-less SQL, which `execute` reports here too.
        """
        cursor = self._query(sql, params)
        keys = _keys(cursor)
        return [dict(zip(keys, row, strict=True)) for row in cursor]

    def _query(self, sql: str, params: Params) -> sqlite3.Cursor:
        cursor = self.db.execute(sql, params)
        if cursor.description is None:
            raise ValueError("Store.all/one need SQL that returns rows: use execute()")
        return cursor

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def insert(
        self, table: str, values: Mapping[str, Any], on_conflict_ignore: bool = False
    ) -> int | None:
        """Plain INSERT; returns the new rowid, or None when `on_conflict_ignore` and a row
        with the same unique key is there already.

        `db[table].insert()` would be safe inside a transaction since sqlite-utils 4, but it
        costs extra statements (table and column look-ups, a savepoint) and creates a missing
        table instead of failing on a misspelt name.
        """
        sql = _insert_sql(table, tuple(values), on_conflict_ignore)
        cursor = self.db.execute(sql, list(values.values()))
        if not cursor.rowcount:
            return None
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
        self.commit()
        self.db.close()


@functools.cache
def _insert_sql(table: str, names: tuple[str, ...], on_conflict_ignore: bool) -> str:
    columns = ", ".join(f"[{name}]" for name in names)
    marks = ", ".join("?" for _ in names)
    ignore = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
    return f"INSERT INTO [{table}] ({columns}) VALUES ({marks}){ignore}"


def _keys(cursor: sqlite3.Cursor) -> list[str]:
    keys = [column[0] for column in cursor.description]
    return keys if len(set(keys)) == len(keys) else list(dedupe_keys(keys))


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
