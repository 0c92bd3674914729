"""The schema's first four steps, as the bot released them before it moved to sqlite-utils 4
(then `PRAGMA user_version` 1-4). bot/migrations.py imports this module first, so these steps
keep their place at the start of the schema. Never edit a released step."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import sqlite_utils

from bot.migrator import Schema

SCHEMA = Schema("discussion-circle")


@SCHEMA(name="initial_schema")
def initial_schema(db: sqlite_utils.Database) -> None:
    """1: circles, runs, posts, answers, members, audit_log."""
    db.execute(
        """
        CREATE TABLE circles (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL UNIQUE,
            thread_id INTEGER,
            exchange_id TEXT NOT NULL,
            state TEXT NOT NULL
                CHECK (state IN ('running', 'paused', 'finished', 'stopped')),
            current_point INTEGER NOT NULL DEFAULT 0,
            cursor INTEGER NOT NULL DEFAULT 0,
            run_id INTEGER REFERENCES runs(id),
            timezone TEXT NOT NULL DEFAULT 'UTC',
            schedule TEXT,
            pacing TEXT,
            holidays TEXT NOT NULL DEFAULT '[]',
            remind_before_minutes INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            circle_id INTEGER NOT NULL REFERENCES circles(id),
            number INTEGER NOT NULL,
            exchange_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            UNIQUE (circle_id, number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            circle_id INTEGER NOT NULL REFERENCES circles(id),
            chat_id INTEGER NOT NULL,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            point_index INTEGER NOT NULL,
            point_id TEXT NOT NULL,
            cursor INTEGER NOT NULL,
            key TEXT NOT NULL,
            part TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('sending', 'sent')),
            message_id INTEGER,
            poll_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (run_id, cursor, key)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            point_index INTEGER NOT NULL,
            point_id TEXT NOT NULL,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            user_id INTEGER NOT NULL,
            display_name TEXT NOT NULL,
            text TEXT,
            media_kind TEXT,
            reply_to_message_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            edited_at TEXT,
            UNIQUE (chat_id, message_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE members (
            chat_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            display_name TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            circle_id INTEGER REFERENCES circles(id),
            chat_id INTEGER NOT NULL,
            actor_id INTEGER,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX runs_by_circle ON runs (circle_id)")
    db.execute("CREATE INDEX answers_by_run_point ON answers (run_id, point_index)")
    db.execute("CREATE INDEX answers_by_member ON answers (chat_id, user_id)")


@SCHEMA(name="point_titles_and_view")
def point_titles_and_view(db: sqlite_utils.Database) -> None:
    """2: keep the point title with posts and answers; the answers_view; reply lookup index.

    Titles live in the content files, not the database; copying them at posting time keeps the
    database readable on its own (datasette) even after a content file changes. Rows written
    before this migration have no title: the view falls back to the point id.
    """
    db.execute("ALTER TABLE posts ADD COLUMN point_title TEXT")
    db.execute("ALTER TABLE answers ADD COLUMN point_title TEXT")
    db.execute("CREATE INDEX posts_by_message ON posts (chat_id, message_id)")
    db.execute(
        """
        CREATE VIEW answers_view AS
        SELECT
            answers.id AS answer_id,
            answers.chat_id AS chat_id,
            runs.number AS run_number,
            runs.exchange_id AS exchange_id,
            answers.point_index + 1 AS point_number,
            answers.point_id AS point_id,
            COALESCE(answers.point_title, answers.point_id) AS point_title,
            answers.user_id AS user_id,
            answers.display_name AS author,
            answers.text AS text,
            answers.media_kind AS media_kind,
            answers.created_at AS created_at,
            answers.edited_at AS edited_at
        FROM answers
        JOIN runs ON runs.id = answers.run_id
        """
    )


@SCHEMA(name="session_bookkeeping")
def session_bookkeeping(db: sqlite_utils.Database) -> None:
    """3: what the timetable needs to survive a restart (docs/scheduling.md).

    `last_slot_at`: every scheduled session up to this time has been dealt with (posted,
    skipped for a pause or holiday, or reported missed), so start-up knows what downtime cost.
    `session_started_at` and `session_cursor`: when the scheduled session of posting slot
    `session_cursor` began, the base for pacing the reply and prompt.
    """
    db.execute("ALTER TABLE circles ADD COLUMN last_slot_at TEXT")
    db.execute("ALTER TABLE circles ADD COLUMN session_started_at TEXT")
    db.execute("ALTER TABLE circles ADD COLUMN session_cursor INTEGER")


@SCHEMA(name="typed_settings_and_visits")
def typed_settings_and_visits(db: sqlite_utils.Database) -> None:
    """Settings as one typed JSON column; one word per meaning in column names.

    The schedule, pacing, holidays and reminder columns held command-language strings that were
    re-parsed on every read; they become `circles.settings` (bot/settings.py), converted with
    the parser of this version. A stored value that does not parse is kept in the JSON as
    written, where `Settings.problems` reports it rather than dropping it. Whether organizers
    ever set a schedule used to be read from the audit log; it is now `schedule_chosen`.
    Renamed: `cursor` -> `visit` (a posting pass over a point), `current_point` ->
    `point_index` (0-based), `session_cursor` -> `session_visit`.
    """
    from bot.schedule.language import ScheduleError, parse_holiday, parse_pace
    from bot.schedule.spec import load_schedule
    from bot.settings import Settings, schedule_to_dict, to_json

    db.execute("ALTER TABLE circles ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'")
    rows = db.execute(
        "SELECT id, schedule, pacing, holidays, remind_before_minutes,"
        " EXISTS (SELECT 1 FROM audit_log WHERE audit_log.circle_id = circles.id"
        " AND action = 'set_schedule') FROM circles"
    ).fetchall()
    for circle_id, spec, pacing, holidays, remind, chosen in rows:
        unreadable: dict[str, object] = {}
        settings = Settings(schedule_chosen=bool(chosen))
        try:
            settings = replace(settings, schedule=load_schedule(spec) if spec else None)
        except (ScheduleError, ValueError):
            unreadable["schedule"] = {"spec": spec}
        try:
            if pacing:
                settings = replace(settings, pacing=parse_pace(pacing))
        except ScheduleError:
            unreadable["pacing"] = {"spec": pacing}
        try:
            texts = json.loads(holidays or "[]")
            settings = replace(settings, holidays=tuple(sorted(map(parse_holiday, texts))))
        except (ScheduleError, ValueError, TypeError):
            unreadable["holidays"] = {"spec": holidays}
        if remind:
            settings = replace(settings, remind_before=timedelta(minutes=remind))
        data = json.loads(to_json(settings))
        data.update(unreadable)
        if settings.schedule is not None:
            data["schedule"] = schedule_to_dict(settings.schedule)
        db.execute(
            "UPDATE circles SET settings = ? WHERE id = ?",
            [json.dumps(data, sort_keys=True), circle_id],
        )
    for column in ("schedule", "pacing", "holidays", "remind_before_minutes"):
        db.execute(f"ALTER TABLE circles DROP COLUMN {column}")
    db.execute("ALTER TABLE circles RENAME COLUMN cursor TO visit")
    db.execute("ALTER TABLE circles RENAME COLUMN current_point TO point_index")
    db.execute("ALTER TABLE circles RENAME COLUMN session_cursor TO session_visit")
    db.execute("ALTER TABLE posts RENAME COLUMN cursor TO visit")
