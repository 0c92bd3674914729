"""The database schema: sqlite-utils `Migrations` steps, in order (docs/database.md); the first
four, released before sqlite-utils 4, are bot/migrations_first.py.

Never edit or rename a released step: append a new one. How they are applied, and the bridge
from the `user_version` of older bots, is bot/migrator.py.
"""

from __future__ import annotations

import sqlite_utils

from bot import migrator
from bot.migrations_first import SCHEMA
from bot.migrator import Migration, Schema, SchemaTooNew, immediate

__all__ = ["LATEST", "SCHEMA", "Migration", "Schema", "SchemaTooNew", "immediate", "migrate"]


@SCHEMA(name="members_and_console")
def members_and_console(db: sqlite_utils.Database) -> None:
    """Who the members are and how to reach them: the member's source and opt-in, private
    chats and the console's choice, nudges, catch-up posts, late answers (digested_at)."""
    for statement in MEMBERS_AND_CONSOLE:
        db.execute(statement)


MEMBERS_AND_CONSOLE = (
    # Where the bot learnt of a member: 'message' (they wrote) or 'chat_member' (Telegram's
    # member updates, sent to administrators); when they left; opted in to private nudges.
    "ALTER TABLE members ADD COLUMN source TEXT NOT NULL DEFAULT 'message'",
    "ALTER TABLE members ADD COLUMN left_at TEXT",
    "ALTER TABLE members ADD COLUMN nudge INTEGER NOT NULL DEFAULT 0",
    # An answer given in the member's private chat (catch-up), and when a digest reported it:
    # answers not reported when their point closed go into the next digest as late answers.
    "ALTER TABLE answers ADD COLUMN given_in_private INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE answers ADD COLUMN digested_at TEXT",
    "UPDATE answers SET digested_at = created_at",
    # Users who opened a private chat with the bot, and the group their private commands steer.
    """CREATE TABLE private_chats (
        user_id INTEGER PRIMARY KEY,
        opened_at TEXT NOT NULL,
        console_chat_id INTEGER
    )""",
    # One private nudge of each kind ('auto' before the close, 'organizer') per member and point.
    """CREATE TABLE nudges (
        chat_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        point_index INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, user_id, run_id, point_index, kind)
    )""",
    # A point's messages sent to a member privately for catch-up: a reply to one is an answer.
    """CREATE TABLE catchup_posts (
        user_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        point_index INTEGER NOT NULL,
        post_id INTEGER NOT NULL REFERENCES posts(id),
        sent_at TEXT NOT NULL,
        PRIMARY KEY (user_id, message_id)
    )""",
)


@SCHEMA(name="poll_results")
def poll_results(db: sqlite_utils.Database) -> None:
    """5: what the circle's polls got: counts per option for every poll (from the `poll`
    updates Telegram sends the bot that posted it), each voter's choice for a public poll
    (from `poll_answer` updates), and whether the poll was stopped. Polls posted before this
    migration have no row: nothing recorded their votes."""
    db.execute(
        """
        CREATE TABLE poll_results (
            poll_id TEXT PRIMARY KEY,
            post_id INTEGER NOT NULL UNIQUE REFERENCES posts(id),
            question TEXT NOT NULL,
            options TEXT NOT NULL,
            counts TEXT NOT NULL,
            voter_count INTEGER NOT NULL DEFAULT 0,
            anonymous INTEGER NOT NULL,
            closed INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE poll_votes (
            poll_id TEXT NOT NULL REFERENCES poll_results(poll_id),
            user_id INTEGER NOT NULL,
            display_name TEXT NOT NULL,
            option_ids TEXT NOT NULL,
            voted_at TEXT NOT NULL,
            PRIMARY KEY (poll_id, user_id)
        )
        """
    )


@SCHEMA(name="run_endings_and_chat_titles")
def run_endings_and_chat_titles(db: sqlite_utils.Database) -> None:
    """6: how each run ended, and the chat's title, for the minutes and `circle-bot circles`.

    `runs.ended`: `finished` (went past the last point), `stopped` (/circle_stop) or
    `restarted` (abandoned by /restart at `runs.ended_point_index`). Earlier runs are filled
    in from the audit log: a restart or stop is logged at the very moment the run's
    `finished_at` was written; a run that ended otherwise went past its last point.
    """
    db.execute(
        "ALTER TABLE runs ADD COLUMN ended TEXT"
        " CHECK (ended IN ('finished', 'stopped', 'restarted'))"
    )
    db.execute("ALTER TABLE runs ADD COLUMN ended_point_index INTEGER")
    db.execute("ALTER TABLE circles ADD COLUMN title TEXT")
    db.execute(
        """
        UPDATE runs SET ended = CASE
            WHEN EXISTS (SELECT 1 FROM audit_log WHERE audit_log.circle_id = runs.circle_id
                         AND audit_log.at = runs.finished_at AND action = 'restart')
                THEN 'restarted'
            WHEN EXISTS (SELECT 1 FROM audit_log WHERE audit_log.circle_id = runs.circle_id
                         AND audit_log.at = runs.finished_at AND action = 'stop')
                THEN 'stopped'
            ELSE 'finished' END
        WHERE finished_at IS NOT NULL
        """
    )
    db.execute(
        "UPDATE runs SET ended_point_index = (SELECT point_index FROM circles"
        " WHERE circles.run_id = runs.id) WHERE ended IN ('finished', 'stopped')"
    )


@SCHEMA(name="answers_search")
def answers_search(db: sqlite_utils.Database) -> None:
    """7: full-text search over answers (SQLite FTS5, docs/database.md).

    The same index and triggers as sqlite-utils' `enable_fts(["text"], create_triggers=True)`,
    written out because `enable_fts` runs them with `executescript`, which would commit the
    migration's transaction half-way. The triggers keep the index in step with every insert,
    edit and delete (/forgetme) of an answer.
    """
    db.execute(
        "CREATE VIRTUAL TABLE answers_fts USING FTS5 (text,"
        " tokenize='porter unicode61 remove_diacritics 2', content=answers)"
    )
    db.execute("INSERT INTO answers_fts (rowid, text) SELECT rowid, text FROM answers")
    db.execute(
        "CREATE TRIGGER answers_ai AFTER INSERT ON answers BEGIN"
        " INSERT INTO answers_fts (rowid, text) VALUES (new.rowid, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER answers_ad AFTER DELETE ON answers BEGIN"
        " INSERT INTO answers_fts (answers_fts, rowid, text)"
        " VALUES ('delete', old.rowid, old.text); END"
    )
    db.execute(
        "CREATE TRIGGER answers_au AFTER UPDATE ON answers BEGIN"
        " INSERT INTO answers_fts (answers_fts, rowid, text)"
        " VALUES ('delete', old.rowid, old.text);"
        " INSERT INTO answers_fts (rowid, text) VALUES (new.rowid, new.text); END"
    )


@SCHEMA(name="update_inbox")
def update_inbox(db: sqlite_utils.Database) -> None:
    """5: every update Telegram handed over, kept before its offset is confirmed (bot/inbox.py).

    A row is written in the same transaction as the rest of its batch, before the next
    getUpdates confirms it; `handled_at` is set once its handlers finished. Unhandled rows are
    handled again at start-up; handled rows are purged after a while.
    """
    db.execute(
        """
        CREATE TABLE update_inbox (
            update_id INTEGER PRIMARY KEY,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            handled_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX update_inbox_unhandled ON update_inbox (handled_at, update_id)")


@SCHEMA(name="post_copies")
def post_copies(db: sqlite_utils.Database) -> None:
    """6: every message id of a post Telegram shows more than once (an at-least-once resend).

    `posts.message_id` stays the confirmed copy; each other copy the bot learns of is a row
    here, so a reply to any copy is an answer to the post.
    """
    db.execute(
        """
        CREATE TABLE post_copies (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            learnt_at TEXT NOT NULL,
            UNIQUE (chat_id, message_id)
        )
        """
    )


@SCHEMA(name="search_backlog")
def search_backlog(db: sqlite_utils.Database) -> None:
    """10: a new answer waits in `answers_fts_backlog` until the next search indexes it.

    FTS5 writes a new index segment at every COMMIT and SAVEPOINT that touched it, so indexing
    each answer as it arrived cost more than storing it; the backlog is indexed in bulk
    (bot/search.py, `index_backlog`). An edit or a deletion changes the index only for an answer
    already in it, and only an edit of the text does (a digest marking answers touches none).
    """
    db.execute("CREATE TABLE answers_fts_backlog (answer_id INTEGER PRIMARY KEY)")
    indexed = "NOT EXISTS (SELECT 1 FROM answers_fts_backlog WHERE answer_id = {}.id)"
    for trigger in ("answers_ai", "answers_ad", "answers_au"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute(
        "CREATE TRIGGER answers_ai AFTER INSERT ON answers BEGIN"
        " INSERT INTO answers_fts_backlog (answer_id) VALUES (new.id); END"
    )
    db.execute(
        "CREATE TRIGGER answers_ad AFTER DELETE ON answers BEGIN"
        " INSERT INTO answers_fts (answers_fts, rowid, text)"
        f" SELECT 'delete', old.id, old.text WHERE {indexed.format('old')};"
        " DELETE FROM answers_fts_backlog WHERE answer_id = old.id; END"
    )
    db.execute(
        "CREATE TRIGGER answers_au AFTER UPDATE OF text ON answers BEGIN"
        " INSERT INTO answers_fts (answers_fts, rowid, text)"
        f" SELECT 'delete', old.id, old.text WHERE {indexed.format('old')};"
        " INSERT INTO answers_fts (rowid, text)"
        f" SELECT new.id, new.text WHERE {indexed.format('new')}; END"
    )


@SCHEMA(name="handled_marks")
def handled_marks(db: sqlite_utils.Database) -> None:
    """12: handled marks in a narrow table of their own, `update_handled`.

    Marking an update handled used to rewrite its inbox row, payload and all, and move it in
    an index: most of what a batch of answers wrote at its COMMIT. A mark is now a small row
    of its own; an inbox row is written once.
    """
    db.execute(
        "CREATE TABLE update_handled (update_id INTEGER PRIMARY KEY, handled_at TEXT NOT NULL)"
    )
    db.execute(
        "INSERT INTO update_handled (update_id, handled_at)"
        " SELECT update_id, handled_at FROM update_inbox WHERE handled_at IS NOT NULL"
    )
    db.execute("DROP INDEX update_inbox_unhandled")
    db.execute("ALTER TABLE update_inbox DROP COLUMN handled_at")


LATEST = len(SCHEMA.names)


def version(db: sqlite_utils.Database, schema: Schema = SCHEMA) -> int:
    """How many of the schema's migrations the database has (0 for an empty file)."""
    return migrator.version(db, schema)


def migrate(
    db: sqlite_utils.Database, *, stop_before: str | None = None, schema: Schema = SCHEMA
) -> list[str]:
    """Bridge, then apply pending migrations (all, or those before `stop_before`); returns
    the names applied. Raises SchemaTooNew, without writing, for a database from a newer bot."""
    return migrator.migrate(db, schema, stop_before=stop_before)
