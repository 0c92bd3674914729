"""The schema's migrations (sqlite-utils `Migrations`) and the bridge from `PRAGMA user_version`.

Real SQLite files in tmp_path. `tests/fixtures/circle-v3.db` was written by the bot as it was
before sqlite-utils 4 (see make_v3_database.py next to it); tests work on a copy.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils

from bot import inbox, migrations
from bot.migrations import SCHEMA, Schema, SchemaTooNew
from bot.settings import from_json
from bot.store import connect, open_store
from tests.test_store import insert_v1_rows

FIXTURE_V3 = Path(__file__).parent / "fixtures" / "circle-v3.db"
RECORDS = Schema.migrations_table


def old_style_database(path: Path, user_version: int) -> None:
    """A file as the bot before sqlite-utils 4 left it: the first N migrations' SQL, each with
    its `user_version` bump, and no `_sqlite_migrations` table."""
    db = connect(path)
    for number, (_, step) in enumerate(SCHEMA.steps[:user_version], start=1):
        with migrations.immediate(db):
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    db.close()


def copy_of_v3_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "circle.db"
    shutil.copyfile(FIXTURE_V3, path)
    return path


def schema_with(*extra: migrations.Migration, keep: int | None = None) -> Schema:
    """This bot's schema (its first `keep` steps) plus more migrations, as a later version of
    the bot would have it."""
    schema = Schema(SCHEMA.name)
    for name, step in SCHEMA.steps[:keep]:
        schema(name=name)(step)
    for step in extra:
        schema()(step)
    return schema


def schema_sql(path: Path) -> set[tuple[str, str, str | None]]:
    db = connect(path)
    rows = db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    db.close()
    return set(rows)


def recorded(path: Path) -> list[str]:
    db = connect(path)
    names = [m.name for m in SCHEMA.applied(db)]
    db.close()
    return names


def user_version(path: Path) -> int:
    db = connect(path)
    number = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    return number


def test_the_schema_lists_the_three_old_versions_first_in_their_old_order():
    assert SCHEMA.name == "discussion-circle"
    assert SCHEMA.names[:4] == [
        "initial_schema",
        "point_titles_and_view",
        "session_bookkeeping",
        "typed_settings_and_visits",
    ]
    assert SCHEMA.names[4:] == [
        "members_and_console",
        "poll_results",
        "run_endings_and_chat_titles",
        "answers_search",
        "update_inbox",
        "post_copies",
        "search_backlog",
        "handled_marks",
    ]
    assert len(SCHEMA.names) == migrations.LATEST


def test_a_fresh_database_records_every_migration_in_order_and_keeps_user_version(db_path):
    store = open_store(db_path)
    assert store.schema_version == migrations.LATEST
    store.close()
    assert recorded(db_path) == SCHEMA.names
    # Kept in step so a bot from before sqlite-utils 4 still refuses a newer database.
    assert user_version(db_path) == migrations.LATEST


def test_migrate_returns_the_names_it_applied_and_nothing_the_second_time(db_path):
    db = connect(db_path)
    assert migrations.migrate(db) == SCHEMA.names
    assert migrations.migrate(db) == []
    db.close()


def test_a_database_written_before_sqlite_utils_4_opens_with_its_data_intact(tmp_path):
    path = copy_of_v3_fixture(tmp_path)
    store = open_store(path)
    assert store.schema_version == migrations.LATEST
    circle = store.one("SELECT * FROM circles")
    assert circle is not None
    schedule = from_json(circle["settings"]).schedule
    assert schedule is not None
    assert (schedule.kind, schedule.days, schedule.hour) == ("weekly", (1, 3), 19)
    assert circle["timezone"] == "Europe/Berlin"
    assert circle["last_slot_at"] == "2025-06-04T18:00:00+00:00"
    assert store.scalar("SELECT count(*) FROM runs") == 1
    assert store.scalar("SELECT count(*) FROM posts WHERE status = 'sent'") == 1
    assert store.scalar("SELECT count(*) FROM members") == 1
    assert store.scalar("SELECT action FROM audit_log") == "start"
    answer = store.one("SELECT * FROM answers_view")
    assert answer is not None
    assert answer["text"] == "An answer written before sqlite-utils 4"
    assert answer["point_title"] == "First point"
    assert answer["run_number"] == 1
    store.close()


def test_the_bridge_records_the_old_migrations_without_running_them(tmp_path):
    path = copy_of_v3_fixture(tmp_path)
    db = connect(path)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    # Only what came after version 3 runs.
    assert migrations.migrate(db) == SCHEMA.names[3:]
    db.close()
    ran = " ".join(statements)
    assert "CREATE TABLE circles" not in ran
    assert "ADD COLUMN point_title" not in ran
    assert "ADD COLUMN last_slot_at" not in ran
    assert "CREATE VIEW" not in ran
    assert recorded(path) == SCHEMA.names
    assert user_version(path) == migrations.LATEST


def test_an_upgraded_old_database_has_the_same_schema_as_a_fresh_one(tmp_path):
    upgraded = copy_of_v3_fixture(tmp_path)
    open_store(upgraded).close()
    fresh = tmp_path / "fresh.db"
    open_store(fresh).close()
    assert schema_sql(upgraded) == schema_sql(fresh)


@pytest.mark.parametrize("old_version", [0, 1, 2, 3])
def test_an_old_database_is_bridged_up_to_its_user_version_then_migrated(tmp_path, old_version):
    path = tmp_path / "circle.db"
    old_style_database(path, old_version)
    db = connect(path)
    assert migrations.version(db) == old_version
    assert migrations.migrate(db) == SCHEMA.names[old_version:]
    assert migrations.version(db) == migrations.LATEST
    db.close()
    assert recorded(path) == SCHEMA.names
    fresh = tmp_path / "fresh.db"
    open_store(fresh).close()
    assert schema_sql(path) == schema_sql(fresh)


def test_opening_an_up_to_date_database_takes_no_write_lock(db_path):
    open_store(db_path).close()
    writer = connect(db_path)
    writer.execute("BEGIN IMMEDIATE")
    try:
        # Would wait for the lock (and fail after the busy timeout) if it tried to write.
        started = time.monotonic()
        open_store(db_path).close()
        assert time.monotonic() - started < 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_migrate_can_stop_before_a_named_migration(db_path):
    db = connect(db_path)
    assert migrations.migrate(db, stop_before="point_titles_and_view") == ["initial_schema"]
    assert migrations.version(db) == 1
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    with pytest.raises(ValueError):
        migrations.migrate(db, stop_before="no_such_migration")
    db.close()


def test_a_schema_refuses_a_migration_outside_a_transaction():
    with pytest.raises(ValueError):
        Schema("x")(transactional=False)


# Each migration against a database made by the schema before it.


def test_point_titles_and_view_keep_the_rows_of_the_initial_schema(db_path):
    db = connect(db_path)
    migrations.migrate(db, stop_before="point_titles_and_view")
    insert_v1_rows(db)
    assert migrations.migrate(db, stop_before="session_bookkeeping") == ["point_titles_and_view"]
    db.close()

    store = open_store(db_path)
    assert store.scalar("SELECT count(*) FROM answers") == 1
    assert store.scalar("SELECT count(*) FROM posts") == 1
    assert store.scalar("SELECT count(*) FROM members") == 1
    assert "point_title" in store.db.table("answers").columns_dict
    row = store.one("SELECT * FROM answers_view")
    assert row is not None
    assert row["text"] == "An old answer"
    assert row["run_number"] == 1
    assert row["point_number"] == 1
    # Rows from before point titles were stored fall back to the point id.
    assert row["point_title"] == "first"
    store.close()


def test_session_bookkeeping_keeps_the_circles_of_the_previous_schema(db_path):
    db = connect(db_path)
    migrations.migrate(db, stop_before="session_bookkeeping")
    insert_v1_rows(db)
    db.execute("UPDATE circles SET schedule = 'tue,thu 19:00 Europe/Berlin'")
    assert migrations.migrate(db) == SCHEMA.names[2:]
    db.close()

    store = open_store(db_path)
    row = store.one("SELECT * FROM circles")
    assert row is not None
    schedule = from_json(row["settings"]).schedule
    assert schedule is not None and schedule.spec == "tue,thu 19:00 Europe/Berlin"
    # Circles scheduled before version 3 owe nothing: start-up marks them as of now.
    assert row["last_slot_at"] is None
    assert row["session_started_at"] is None
    assert row["session_visit"] is None
    assert store.scalar("SELECT count(*) FROM answers") == 1
    store.close()


def test_run_endings_are_read_back_from_the_audit_log(db_path):
    db = connect(db_path)
    migrations.migrate(db, stop_before="run_endings_and_chat_titles")
    at = "2025-01-01T00:00:00+00:00"
    db.execute(
        "INSERT INTO circles (id, chat_id, exchange_id, state, point_index, visit, created_at,"
        " updated_at) VALUES (1, -100, 'tiny', 'stopped', 2, 5, ?, ?)",
        [at, at],
    )
    for number, finished in ((1, "2025-01-02T00:00:00+00:00"), (2, "2025-01-03T00:00:00+00:00"),
                             (3, "2025-01-04T00:00:00+00:00")):  # fmt: skip
        db.execute(
            "INSERT INTO runs (id, circle_id, number, exchange_id, started_at, finished_at)"
            " VALUES (?, 1, ?, 'tiny', ?, ?)",
            [number, number, at, finished],
        )
    db.execute("UPDATE circles SET run_id = 3")
    db.execute(
        "INSERT INTO audit_log (circle_id, chat_id, action, at)"
        " VALUES (1, -100, 'restart', '2025-01-03T00:00:00+00:00'),"
        " (1, -100, 'stop', '2025-01-04T00:00:00+00:00')"
    )
    migrations.migrate(db)
    rows = db.execute("SELECT number, ended, ended_point_index FROM runs ORDER BY number")
    assert rows.fetchall() == [(1, "finished", None), (2, "restarted", None), (3, "stopped", 2)]
    db.close()


def test_answers_search_indexes_the_answers_already_there(db_path):
    db = connect(db_path)
    migrations.migrate(db, stop_before="point_titles_and_view")
    insert_v1_rows(db)
    migrations.migrate(db)
    found = db.execute("SELECT rowid FROM answers_fts WHERE answers_fts MATCH 'old'").fetchall()
    assert found == [(1,)]
    db.close()


def test_handled_marks_move_to_their_own_table_and_waiting_updates_still_wait(db_path):
    db = connect(db_path)
    migrations.migrate(db, stop_before="handled_marks")
    for update_id, handled in ((1, "2025-01-01T00:00:00+00:00"), (2, None)):
        db.execute(
            "INSERT INTO update_inbox (update_id, payload, received_at, handled_at)"
            " VALUES (?, ?, '2025-01-01T00:00:00+00:00', ?)",
            [update_id, f'{{"update_id": {update_id}}}', handled],
        )
    migrations.migrate(db)
    assert db.execute("SELECT update_id FROM update_handled").fetchall() == [(1,)]
    assert "handled_at" not in db["update_inbox"].columns_dict
    db.close()
    store = open_store(db_path)
    assert [u["update_id"] for u in inbox.unhandled(store)] == [2]
    store.close()


# Failures, newer databases, concurrency.


def broken(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE half_done (id INTEGER)")
    raise RuntimeError("migration bug")


def test_a_failed_migration_leaves_the_database_as_it_was(db_path):
    open_store(db_path).close()
    db = connect(db_path)
    with pytest.raises(RuntimeError, match="migration bug"):
        migrations.migrate(db, schema=schema_with(broken))
    assert not db.conn.in_transaction
    db.close()
    assert recorded(db_path) == SCHEMA.names
    assert user_version(db_path) == migrations.LATEST
    assert "half_done" not in sqlite_utils.Database(db_path).table_names()


def test_a_failed_migration_after_the_bridge_leaves_an_old_database_as_the_old_bot_wrote_it(
    tmp_path,
):
    path = copy_of_v3_fixture(tmp_path)
    before = schema_sql(path)
    db = connect(path)
    with pytest.raises(RuntimeError, match="migration bug"):
        migrations.migrate(db, schema=schema_with(broken, keep=3))
    db.close()
    # The bridge's records were in the same transaction: still no table, still version 3.
    assert schema_sql(path) == before
    assert user_version(path) == 3
    open_store(path).close()
    assert recorded(path) == SCHEMA.names


LATEST = migrations.LATEST


def test_a_database_with_a_higher_user_version_and_no_records_is_refused(db_path):
    db = connect(db_path)
    db.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    db.close()
    with pytest.raises(
        SchemaTooNew,
        match=rf"version {LATEST + 1} is newer than this bot knows \({LATEST}\)",
    ):
        open_store(db_path)


def test_a_database_with_a_migration_this_bot_does_not_know_is_refused_in_one_line(db_path):
    def from_the_future(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE later (id INTEGER)")

    db = connect(db_path)
    migrations.migrate(db, schema=schema_with(from_the_future))
    db.close()
    with pytest.raises(SchemaTooNew) as refused:
        open_store(db_path)
    assert "from_the_future" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_an_unknown_record_is_refused_even_when_user_version_looks_current(db_path):
    open_store(db_path).close()
    db = connect(db_path)
    db.table(RECORDS).insert(
        {"migration_set": SCHEMA.name, "name": "added_by_hand", "applied_at": "2026"}
    )
    db.execute(f"PRAGMA user_version = {migrations.LATEST}")
    db.close()
    with pytest.raises(SchemaTooNew, match="added_by_hand"):
        open_store(db_path)


def test_records_of_other_migration_sets_are_ignored(db_path):
    open_store(db_path).close()
    db = connect(db_path)
    db.table(RECORDS).insert({"migration_set": "a-plugin", "name": "its_own", "applied_at": "x"})
    db.close()
    open_store(db_path).close()


def test_two_processes_opening_a_new_database_at_once_apply_each_migration_once(db_path):
    """Each opener has its own connection, as two processes would; the first migration is slow
    so the second opener arrives while it runs."""
    runs: list[str] = []

    def slow_start(db: sqlite_utils.Database) -> None:
        runs.append(threading.current_thread().name)
        time.sleep(0.3)
        SCHEMA.steps[0][1](db)

    schema = Schema(SCHEMA.name)
    schema(name="initial_schema")(slow_start)
    for name, step in SCHEMA.steps[1:]:
        schema(name=name)(step)

    connect(db_path).close()  # create the file (and WAL mode) before the race
    start = threading.Barrier(2)
    applied: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def opener() -> None:
        db = connect(db_path)
        try:
            start.wait()
            applied[threading.current_thread().name] = migrations.migrate(db, schema=schema)
        except BaseException as error:
            errors.append(error)
        finally:
            db.close()

    threads = [threading.Thread(target=opener, name=f"opener-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(runs) == 1
    # Between them the two openers applied every migration exactly once.
    assert sorted(name for names in applied.values() for name in names) == sorted(SCHEMA.names)
    assert recorded(db_path) == SCHEMA.names


def test_a_read_only_look_at_the_schema_does_not_create_the_records_table(db_path):
    old_style_database(db_path, 3)
    db = connect(db_path)
    assert migrations.version(db) == 3
    assert RECORDS not in db.table_names()
    db.close()


def test_a_corrupt_file_is_reported_as_a_database_error(tmp_path):
    path = tmp_path / "not-a-db.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        open_store(path)
