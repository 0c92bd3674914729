"""Answers and members, the write side: recording replies to the bot's posts, edits, and a
member forgetting themselves (reads are in bot/reads.py).

An answer is a member's message that replies to any message the bot posted in that chat. It
belongs to that post's point and run, whatever is current now: replying to point 2 while
point 5 is being discussed, or to last run's post, still counts for point 2 of that run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.exchange import Exchange
from bot.posting import learn_copy, post_of_message
from bot.store import Store, iso, parse_iso

ANSWER_SQL = """
    SELECT answers.*, runs.number AS run_number
    FROM answers JOIN runs ON runs.id = answers.run_id
"""


@dataclass(frozen=True)
class Answer:
    id: int
    chat_id: int
    message_id: int
    run_number: int
    point_index: int
    point_id: str
    user_id: int
    display_name: str
    text: str | None
    media_kind: str | None
    created_at: datetime
    edited_at: datetime | None
    duplicate: bool = False

    @property
    def point_number(self) -> int:
        return self.point_index + 1


def answer_from_row(row: dict[str, Any], duplicate: bool = False) -> Answer:
    created = parse_iso(row["created_at"])
    assert created is not None
    return Answer(
        id=row["id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        run_number=row["run_number"],
        point_index=row["point_index"],
        point_id=row["point_id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        text=row["text"],
        media_kind=row["media_kind"],
        created_at=created,
        edited_at=parse_iso(row["edited_at"]),
        duplicate=duplicate,
    )


def insert_answer(
    store: Store,
    chat_id: int,
    message_id: int,
    post_id: int,
    point: Mapping[str, Any],
    user_id: int,
    display_name: str,
    text: str | None,
    media_kind: str | None,
    reply_to_message_id: int,
    written_at: datetime,
    given_in_private: bool = False,
) -> int | None:
    """One answer row for the post's point and run (`point`: run_id, point_index, point_id,
    point_title); the caller holds the transaction. Returns its id, or None if the message is
    an answer already (the same message delivered twice)."""
    return store.insert(
        "answers",
        {
            "chat_id": chat_id,
            "message_id": message_id,
            "run_id": point["run_id"],
            "point_index": point["point_index"],
            "point_id": point["point_id"],
            "point_title": point["point_title"],
            "post_id": post_id,
            "user_id": user_id,
            "display_name": display_name,
            "text": text,
            "media_kind": media_kind,
            "reply_to_message_id": reply_to_message_id,
            "created_at": iso(written_at),
            "given_in_private": int(given_in_private),
        },
        on_conflict_ignore=True,
    )


def _answer_row(store: Store, chat_id: int, message_id: int) -> dict[str, Any] | None:
    return store.one(
        ANSWER_SQL + " WHERE answers.chat_id = ? AND answers.message_id = ?",
        [chat_id, message_id],
    )


# `last_seen` is kept to the hour: a member writing again soon after changes nothing, and a
# row left as it is costs nothing at the COMMIT (a discussion brings bursts of replies).
SEEN_PRECISION = timedelta(hours=1)


def _see(store: Store, chat_id: int, user_id: int, display_name: str, now: datetime) -> None:
    store.execute(
        "INSERT INTO members (chat_id, user_id, display_name, first_seen, last_seen)"
        " VALUES (?1, ?2, ?3, ?4, ?4)"
        " ON CONFLICT (chat_id, user_id) DO UPDATE SET"
        " display_name = excluded.display_name, last_seen = excluded.last_seen, left_at = NULL"
        " WHERE display_name IS NOT excluded.display_name OR left_at IS NOT NULL"
        " OR last_seen < ?5",
        [chat_id, user_id, display_name, iso(now), iso(now - SEEN_PRECISION)],
    )


def see_member(
    store: Store,
    chat_id: int,
    user_id: int | None,
    display_name: str,
    now: datetime,
    chat_title: str | None = None,
) -> None:
    """Note a member who spoke in the chat (so /status can list who has not answered), and
    the chat's title as it is now (for `circle-bot circles`); `user_id` None notes the title
    only."""
    with store.transaction(grouped=True):
        if chat_title:
            store.execute(
                "UPDATE circles SET title = ? WHERE chat_id = ? AND title IS NOT ?",
                [chat_title, chat_id, chat_title],
            )
        if user_id is not None:
            _see(store, chat_id, user_id, display_name, now)


def record_answer(
    store: Store,
    chat_id: int,
    message_id: int,
    user_id: int,
    display_name: str,
    reply_to_message_id: int | None,
    now: datetime,
    text: str | None = None,
    media_kind: str | None = None,
    written_at: datetime | None = None,
    replied_text: str | None = None,
    exchanges: Mapping[str, Exchange] | None = None,
) -> Answer | None:
    """Store a reply to a bot post as an answer; None if it replies to no post of ours.

    `written_at` is Telegram's date of the message: an answer read after downtime keeps the
    time it was written, not the time it was processed (`now` when not given). A reply to any
    copy of a post counts: its confirmed message, a copy learnt before, or a copy recognised
    now by `replied_text` (what the member replied to shows) among `exchanges`.
    The same message delivered twice is stored once: the second call returns the stored
    answer with `duplicate=True`.
    """
    if reply_to_message_id is None:
        return None
    # Grouped: a burst of answers shares one COMMIT (Store.group_commits); still committed
    # before anything is sent to Telegram, the 👍 included.
    with store.transaction(grouped=True):
        post = post_of_message(store, chat_id, reply_to_message_id)
        if post is None and replied_text and exchanges:
            post = learn_copy(store, chat_id, reply_to_message_id, replied_text, exchanges, now)
        if post is None:
            return _answer(store, chat_id, message_id, duplicate=True)
        written_at = written_at or now
        stored = insert_answer(
            store, chat_id, message_id, post["id"], post, user_id, display_name,
            text, media_kind, reply_to_message_id, written_at,
        )  # fmt: skip
        if stored is None:
            return _answer(store, chat_id, message_id, duplicate=True)
        _see(store, chat_id, user_id, display_name, now)
        return Answer(
            id=stored, chat_id=chat_id, message_id=message_id, run_number=post["run_number"],
            point_index=post["point_index"], point_id=post["point_id"], user_id=user_id,
            display_name=display_name, text=text, media_kind=media_kind, created_at=written_at,
            edited_at=None,
        )  # fmt: skip


def _answer(store: Store, chat_id: int, message_id: int, duplicate: bool) -> Answer | None:
    row = _answer_row(store, chat_id, message_id)
    return answer_from_row(row, duplicate=duplicate) if row else None


def mark_digested(store: Store, run_id: int | None, now: datetime) -> None:
    """Every answer of the run so far has been reported by a digest (inside the use-case that
    posts the digest): what comes later to a closed point is a late answer for the next one."""
    store.execute(
        "UPDATE answers SET digested_at = ? WHERE run_id = ? AND digested_at IS NULL",
        [iso(now), run_id],
    )


def record_edit(
    store: Store,
    chat_id: int,
    message_id: int,
    now: datetime,
    text: str | None = None,
    media_kind: str | None = None,
) -> Answer | None:
    """Replace an answer's text (media kind kept unless given); None if not an answer."""
    with store.transaction():
        updated = store.execute(
            "UPDATE answers SET text = ?, media_kind = COALESCE(?, media_kind),"
            " edited_at = ? WHERE chat_id = ? AND message_id = ?",
            [text, media_kind, iso(now), chat_id, message_id],
        )
        if updated.rowcount == 0:
            return None
        row = _answer_row(store, chat_id, message_id)
        assert row is not None
        return answer_from_row(row)


def forget_member(
    store: Store, chat_id: int, user_id: int, now: datetime, actor_id: int | None = None
) -> int:
    """Delete a member's answers and member row in this chat; returns answers deleted.

    The audit entry records who and how many, never the content.
    """
    # Answers of this chat, including those given before a group→supergroup migration.
    where = "(answers.chat_id = ? OR runs.circle_id = (SELECT id FROM circles WHERE chat_id = ?))"
    params = [chat_id, chat_id]
    with store.transaction():
        ids = [
            row["id"]
            for row in store.all(
                ANSWER_SQL + f" WHERE answers.user_id = ? AND {where}", [user_id, *params]
            )
        ]
        store.execute(f"DELETE FROM answers WHERE id IN ({', '.join('?' for _ in ids)})", ids)
        store.execute("DELETE FROM members WHERE chat_id = ? AND user_id = ?", [chat_id, user_id])
        # Their choices in the circle's public polls too (the counts stay: they name nobody).
        store.execute(
            "DELETE FROM poll_votes WHERE user_id = ? AND poll_id IN (SELECT poll_results.poll_id"
            " FROM poll_results JOIN posts ON posts.id = poll_results.post_id"
            " WHERE posts.chat_id = ? OR posts.circle_id = (SELECT id FROM circles"
            " WHERE chat_id = ?))",
            [user_id, chat_id, chat_id],
        )
        # The inbox keeps handled updates two days (bot/inbox.py): theirs go now.
        store.execute(
            "DELETE FROM update_inbox WHERE update_id IN (SELECT update_id FROM update_handled)"
            " AND ? IN ("
            "json_extract(payload, '$.message.from.id'),"
            " json_extract(payload, '$.edited_message.from.id'),"
            " json_extract(payload, '$.callback_query.from.id'))",
            [user_id],
        )
        circle = store.one("SELECT id FROM circles WHERE chat_id = ?", [chat_id])
        store.audit(
            chat_id=chat_id,
            circle_id=circle["id"] if circle else None,
            actor_id=actor_id if actor_id is not None else user_id,
            action="forget_member",
            detail=f"user {user_id}: {len(ids)} answers deleted",
            now=now,
        )
        return len(ids)
