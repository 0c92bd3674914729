"""How the schema's migrations are applied: sqlite-utils `Migrations`, one per `BEGIN IMMEDIATE`
transaction, plus the bridge from `user_version`. The steps themselves are bot/migrations.py.

Migrations are named, applied in the order they are registered, and recorded in sqlite-utils'
`_sqlite_migrations` table (set "discussion-circle"). Never edit or rename a released
migration: append a new one. docs/database.md explains the whole scheme.

Two things are added on top of `Migrations.apply`:

- **One migration per `BEGIN IMMEDIATE` transaction, re-checked under the lock.** `apply()`
  reads what is pending before it takes any lock and wraps each migration in `db.atomic()`,
  a deferred `BEGIN`; two processes opening a new file at once would both try to create the
  tables. Here each step first takes the write lock, then asks what is pending, then applies
  the first pending migration through `apply()` (whose `atomic()` becomes a savepoint inside
  our transaction) and commits it with its record.
- **The bridge.** Before version 4 of the bot the schema version was `PRAGMA user_version`
  (1-3) and there was no `_sqlite_migrations` table. The first N migrations of `SCHEMA` are
  the old versions 1..N, so a database at `user_version` N gets N records and is not migrated
  again. `user_version` is still kept equal to the number of applied migrations, so an older
  bot refuses a database that has more migrations than it knows, as it always did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
M = TypeVar("M", bound=Migration)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer version of the bot than this one."""


class Schema(sqlite_utils.Migrations):
    """sqlite-utils' `Migrations` that also lists its steps in order.

    The bridge needs "the first N migrations", which `Migrations` keeps private.
    """

    def __init__(self, name: str):
        super().__init__(name)
        self.steps: list[tuple[str, Migration]] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[M], M]:
        if not transactional:
            # migrate() runs every step inside its own BEGIN IMMEDIATE transaction.
            raise ValueError("every migration of this schema runs inside a transaction")
        register = super().__call__(name=name)

        def inner(function: M) -> M:
            register(function)
            self.steps.append((name or function.__name__, function))
            return function

        return inner

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.steps]


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any exception (also shared by bot/store.py).

    sqlite-utils' `db.atomic()` opens a deferred `BEGIN`, which takes the write lock only at the
    first write: a read-then-write can then fail half-way with SQLITE_BUSY, and two migrators
    could both decide a migration is pending. Nested `atomic()` blocks inside this one are
    savepoints, as they are inside an `atomic()`. Needs an autocommit connection
    (`isolation_level=None`).
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        # A no-op if SQLite already rolled back by itself (e.g. SQLITE_FULL).
        db.rollback()
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (e.g. a deferred foreign key) leaves the transaction open; without
        # this every later transaction() would silently join it.
        db.rollback()
        raise


def version(db: sqlite_utils.Database, schema: Schema) -> int:
    """How many of the schema's migrations the database has (0 for an empty file).

    Counts the records in `_sqlite_migrations`, or `user_version` for a file not bridged yet.
    """
    return max(len(_applied(db, schema)), _user_version(db))


def migrate(
    db: sqlite_utils.Database, schema: Schema, *, stop_before: str | None = None
) -> list[str]:
    """Bridge, then apply pending migrations (all, or those before `stop_before`).

    Returns the names applied, in order. Raises SchemaTooNew, without writing, for a database
    that has migrations this code does not know.
    """
    if stop_before is not None and stop_before not in schema.names:
        raise ValueError(f"no migration named {stop_before!r} in {schema.name}")
    if not _work_to_do(db, schema, stop_before):
        # The usual start-up: no write lock taken, so opening never waits for a running bot.
        return []
    applied: list[str] = []
    while True:
        with immediate(db):
            # Re-read under the lock: another process may have migrated while we waited.
            _bridge(db, schema)
            pending = [m.name for m in schema.pending(db)]
            if not pending or pending[0] == stop_before:
                return applied
            # stop_before the rest: apply() runs exactly the first pending migration, inside a
            # savepoint, together with its record.
            schema.apply(db, stop_before=pending[1:])
            db.execute(f"PRAGMA user_version = {len(_applied(db, schema))}")
        applied.append(pending[0])


def _work_to_do(db: sqlite_utils.Database, schema: Schema, stop_before: str | None) -> bool:
    applied = _check_known(db, schema)
    if len(applied) < _user_version(db):
        return True  # to bridge
    pending = [name for name in schema.names if name not in applied]
    return bool(pending) and pending[0] != stop_before


def _bridge(db: sqlite_utils.Database, schema: Schema) -> None:
    """Record as applied, without running them, the migrations `user_version` says ran."""
    applied = _check_known(db, schema)
    missing = [name for name in schema.names[: _user_version(db)] if name not in applied]
    if not missing:
        return
    schema.ensure_migrations_table(db)
    records = db.table(schema.migrations_table)
    for name in missing:
        # Same columns and time format as Migrations' own records.
        records.insert(
            {"migration_set": schema.name, "name": name, "applied_at": str(datetime.now(UTC))}
        )


def _check_known(db: sqlite_utils.Database, schema: Schema) -> list[str]:
    """The applied migration names; SchemaTooNew if the database has any this code lacks."""
    applied = _applied(db, schema)
    unknown = [name for name in applied if name not in schema.names]
    if unknown:
        raise SchemaTooNew(
            f"database has migrations this bot does not know ({', '.join(unknown)}): "
            "it was written by a newer version"
        )
    user_version = _user_version(db)
    if user_version > len(schema.names):
        raise SchemaTooNew(
            f"database schema version {user_version} is newer than this bot knows "
            f"({len(schema.names)})"
        )
    return applied


def _applied(db: sqlite_utils.Database, schema: Schema) -> list[str]:
    return [m.name for m in schema.applied(db)]


def _user_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]
