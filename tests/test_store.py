import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot import migrations
from bot.store import connect, iso, open_store, parse_iso

TABLES = {"circles", "runs", "posts", "answers", "members", "audit_log"}


def insert_v1_rows(db) -> None:
    """A circle with a run, a sent post, an answer and a member, as version 1 stored them."""
    at = "2025-01-01T00:00:00+00:00"
    db.execute(
        "INSERT INTO circles (id, chat_id, exchange_id, state, current_point, cursor,"
        " created_at, updated_at) VALUES (1, -100, 'tiny', 'running', 0, 1, ?, ?)",
        [at, at],
    )
    db.execute(
        "INSERT INTO runs (id, circle_id, number, exchange_id, started_at)"
        " VALUES (1, 1, 1, 'tiny', ?)",
        [at],
    )
    db.execute("UPDATE circles SET run_id = 1")
    db.execute(
        "INSERT INTO posts (id, circle_id, chat_id, run_id, point_index, point_id, cursor, key,"
        " part, status, message_id, attempts, created_at, sent_at)"
        " VALUES (1, 1, -100, 1, 0, 'first', 1, 'letter', 'letter', 'sent', 10, 1, ?, ?)",
        [at, at],
    )
    db.execute(
        "INSERT INTO answers (chat_id, message_id, run_id, point_index, point_id, post_id,"
        " user_id, display_name, text, reply_to_message_id, created_at)"
        " VALUES (-100, 11, 1, 0, 'first', 1, 7, 'Ann', 'An old answer', 10, ?)",
        [at],
    )
    db.execute(
        "INSERT INTO members VALUES (-100, 7, 'Ann', ?, ?)",
        [at, at],
    )


def test_opening_a_store_creates_the_file_and_its_folder(db_path):
    store = open_store(db_path)
    assert db_path.exists()
    store.close()


def test_a_new_database_has_every_table_and_the_answers_view(store):
    assert set(store.db.table_names()) >= TABLES
    assert "answers_view" in store.db.view_names()


def test_a_new_database_is_at_the_latest_schema_version(store):
    assert store.schema_version == migrations.LATEST >= 2


def test_the_connection_uses_wal_foreign_keys_and_a_five_second_busy_timeout(store):
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") == 5000


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.insert(
            "runs",
            {"circle_id": 999, "number": 1, "exchange_id": "x", "started_at": "2025"},
        )


def test_a_post_key_is_unique_per_run_and_visit(db_path):
    db = connect(db_path)
    migrations.migrate(db, stop_before="typed_settings_and_visits")
    insert_v1_rows(db)
    db.close()
    store = open_store(db_path)
    with pytest.raises(sqlite3.IntegrityError):
        store.execute(
            "INSERT INTO posts (circle_id, chat_id, run_id, point_index, point_id, visit, key,"
            " part, status, attempts, created_at)"
            " VALUES (1, -100, 1, 0, 'first', 1, 'letter', 'letter', 'sending', 1, '2025')"
        )


def test_a_transaction_commits_everything_written_in_it(store, db_path):
    with store.transaction():
        store.audit(chat_id=1, action="one", now=datetime.now(UTC))
        store.audit(chat_id=1, action="two", now=datetime.now(UTC))
    other = open_store(db_path)
    assert other.scalar("SELECT count(*) FROM audit_log") == 2
    other.close()


def test_an_exception_inside_a_transaction_rolls_back_everything(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.audit(chat_id=1, action="one", now=datetime.now(UTC))
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM audit_log") == 0
    assert not store.db.conn.in_transaction


def test_a_nested_transaction_joins_the_outer_one_and_rolls_back_with_it(store):
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.audit(chat_id=1, action="inner", now=datetime.now(UTC))
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM audit_log") == 0


def test_times_are_stored_as_utc_iso_text():
    berlin = timezone(timedelta(hours=2))
    assert iso(datetime(2025, 6, 4, 20, 0, tzinfo=berlin)) == "2025-06-04T18:00:00+00:00"
    assert parse_iso("2025-06-04T18:00:00+00:00") == datetime(2025, 6, 4, 18, 0, tzinfo=UTC)
    assert parse_iso(None) is None


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        iso(datetime(2025, 6, 4, 18, 0))


def test_an_exception_caught_around_a_nested_transaction_undoes_only_the_nested_writes(store):
    with store.transaction():
        store.audit(chat_id=1, action="outer", now=datetime.now(UTC))
        with pytest.raises(RuntimeError), store.transaction():
            store.audit(chat_id=1, action="inner", now=datetime.now(UTC))
            raise RuntimeError("boom")
    assert store.all("SELECT action FROM audit_log") == [{"action": "outer"}]


def test_a_write_transaction_takes_the_write_lock_before_its_first_write(store, db_path):
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    # Nothing written yet, and still another writer cannot start.
    with store.transaction(), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.close()


def test_a_read_transaction_does_not_block_a_writer(store, db_path):
    other = open_store(db_path)
    with store.transaction(write=False):
        store.scalar("SELECT count(*) FROM audit_log")
        with other.transaction():
            other.audit(chat_id=1, action="meanwhile", now=datetime.now(UTC))
    assert store.scalar("SELECT count(*) FROM audit_log") == 1
    other.close()


def test_a_commit_that_fails_rolls_back_and_leaves_no_transaction_open(store):
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        # A deferred foreign key is checked only at COMMIT, which then fails.
        store.execute("PRAGMA defer_foreign_keys = ON")
        store.insert(
            "runs", {"circle_id": 999, "number": 1, "exchange_id": "x", "started_at": "2025"}
        )
    assert not store.db.conn.in_transaction
    assert store.scalar("SELECT count(*) FROM runs") == 0


def test_sqlite_utils_table_helpers_join_the_open_transaction(store):
    # Since sqlite-utils 4 they use db.atomic(): a savepoint here, not a commit.
    with pytest.raises(RuntimeError), store.transaction():
        store.db.table("audit_log").insert(
            {"chat_id": 1, "action": "helper", "detail": "", "at": "2025"}
        )
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM audit_log") == 0


def test_rows_come_back_as_dicts_with_repeated_column_names_kept_apart(store):
    assert store.all("SELECT 1 AS id, 2 AS id") == [{"id": 1, "id_2": 2}]
    assert store.one("SELECT 1 AS n WHERE 0") is None


def test_all_refuses_sql_that_returns_no_rows(store):
    with pytest.raises(ValueError), store.transaction():
        store.all("UPDATE circles SET state = 'paused'")


# Grouped commits (Store.group_commits): a burst of answers and handled marks, one COMMIT.


def audit_rows(db_path) -> list[str]:
    other = sqlite3.connect(db_path)
    rows = [row[0] for row in other.execute("SELECT action FROM audit_log ORDER BY id")]
    other.close()
    return rows


@pytest.fixture
def grouped(store):
    scheduled: list = []
    store.group_commits(scheduled.append)
    return scheduled


def test_grouped_transactions_share_one_commit_made_when_the_loop_gets_to_it(
    store, db_path, grouped
):
    for action in ("answer 1", "answer 2"):
        with store.transaction(grouped=True):
            store.audit(chat_id=1, action=action, now=datetime.now(UTC))
    assert len(grouped) == 1  # one commit scheduled for the group
    assert store.scalar("SELECT count(*) FROM audit_log") == 2  # this connection sees them
    assert audit_rows(db_path) == []  # nothing committed yet
    grouped[0]()
    assert audit_rows(db_path) == ["answer 1", "answer 2"]
    assert not store.db.conn.in_transaction


def test_a_plain_write_commits_the_open_group_with_its_own_writes(store, db_path, grouped):
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="answer", now=datetime.now(UTC))
    with store.transaction():
        store.audit(chat_id=1, action="post", now=datetime.now(UTC))
    assert audit_rows(db_path) == ["answer", "post"]
    grouped[0]()  # the scheduled commit finds nothing left to do
    assert not store.db.conn.in_transaction


def test_a_failing_use_case_in_a_group_undoes_only_its_own_writes(store, db_path, grouped):
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="kept", now=datetime.now(UTC))
    for grouping in (True, False):
        with pytest.raises(RuntimeError), store.transaction(grouped=grouping):
            store.audit(chat_id=1, action="undone", now=datetime.now(UTC))
            raise RuntimeError("boom")
    store.commit()
    assert audit_rows(db_path) == ["kept"]


def test_a_group_whose_commit_fails_is_undone_and_its_listeners_are_told(store, grouped):
    ended: list = []
    store.group_ended.append(ended.append)
    with store.transaction(grouped=True):
        store.execute("PRAGMA defer_foreign_keys = ON")  # checked only at COMMIT
        store.insert("runs", {"circle_id": 999, "number": 1, "exchange_id": "x", "started_at": "1"})
    with pytest.raises(sqlite3.IntegrityError):
        store.commit()
    assert [type(error) for error in ended] == [sqlite3.IntegrityError]
    assert not store.db.conn.in_transaction
    assert store.scalar("SELECT count(*) FROM runs") == 0
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="next", now=datetime.now(UTC))
    grouped[-1]()  # the scheduled commit of the next group
    assert ended[1:] == [None]


def test_closing_the_store_commits_the_open_group(store, db_path, grouped):
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="answer", now=datetime.now(UTC))
    store.close()
    assert audit_rows(db_path) == ["answer"]


def test_without_group_commits_a_grouped_transaction_commits_at_once(store, db_path):
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="answer", now=datetime.now(UTC))
    assert audit_rows(db_path) == ["answer"]


def test_a_groups_closing_writes_commit_with_it_and_their_failure_undoes_it(
    store, db_path, grouped
):
    ended: list = []
    store.group_ended.append(ended.append)
    closing = [lambda: store.audit(chat_id=1, action="handled marks", now=datetime.now(UTC))]
    store.group_closing.extend(closing)
    assert store.join_group()
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="answer", now=datetime.now(UTC))
    grouped[0]()
    assert audit_rows(db_path) == ["answer", "handled marks"]

    def disk_full() -> None:
        raise sqlite3.OperationalError("database or disk is full")

    closing[0] = disk_full
    store.group_closing[:] = closing
    with store.transaction(grouped=True):
        store.audit(chat_id=1, action="lost", now=datetime.now(UTC))
    grouped[-1]()  # the scheduled commit: the failure goes to the listeners, not the loop
    assert audit_rows(db_path) == ["answer", "handled marks"]
    assert [type(error) for error in ended] == [type(None), sqlite3.OperationalError]
    assert not store.db.conn.in_transaction


def test_joining_a_group_without_grouped_commits_says_write_at_once(store):
    assert not store.join_group()
    assert not store.db.conn.in_transaction
