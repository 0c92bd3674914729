"""Catch-up: the points a member missed, sent to them privately one at a time; a reply there
is their answer to that point, marked as given in private (`answers.given_in_private`).

The Telegram layer sends what `next_missed` returns (rendered by bot/render.py exactly as in
the group), records each message with `record_sent`, and turns a reply to one of them into an
answer with `record_private_answer`. A point "missed" is one posted in the current run, not
the one out now (that one is answered in the group), that the member has not answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.answers import Answer, answer_from_row, insert_answer
from bot.exchange import Exchange
from bot.model import SENT, Refusal, load_circle
from bot.store import Store, iso
from bot.text import circle as text


@dataclass(frozen=True)
class Missed:
    """The next point to send (None: caught up), and how many missed points there are."""

    chat_id: int
    run_id: int
    exchange: Exchange
    point_index: int | None
    post_id: int | None
    count: int


def missed_indexes(posted: list[int], answered: set[int], current: int | None) -> list[int]:
    """Pure: the points posted this run, less the current one and those answered, in order."""
    return sorted({i for i in posted if i != current and i not in answered})


def next_missed(
    store: Store,
    exchanges: Mapping[str, Exchange],
    chat_id: int,
    user_id: int,
    after: int = -1,
) -> Missed | Refusal:
    """The first missed point after point index `after` (all of them with the default)."""
    with store.transaction(write=False):
        circle = load_circle(store, chat_id)
        if circle is None or circle.run_id is None:
            return Refusal(text.no_circle())
        exchange = exchanges.get(circle.exchange_id)
        if exchange is None:
            return Refusal(text.exchange_gone(circle.exchange_id))
        first_posts = {
            row["point_index"]: row["id"]
            for row in store.all(
                "SELECT point_index, MIN(id) AS id FROM posts WHERE run_id = ? AND status = ?"
                " GROUP BY point_index",
                [circle.run_id, SENT],
            )
        }
        answered = {
            row["point_index"]
            for row in store.all(
                "SELECT DISTINCT point_index FROM answers WHERE run_id = ? AND user_id = ?",
                [circle.run_id, user_id],
            )
        }
    current = circle.point_index if circle.active else None
    missed = missed_indexes(list(first_posts), answered, current)
    following = [index for index in missed if index > after]
    index = following[0] if following else None
    post = first_posts.get(index) if index is not None else None
    return Missed(chat_id, circle.run_id, exchange, index, post, len(missed))


def record_sent(store: Store, user_id: int, message_id: int, missed: Missed, now: datetime) -> None:
    """One of a point's messages went to the member's private chat."""
    with store.transaction():
        store.insert(
            "catchup_posts",
            {
                "user_id": user_id,
                "message_id": message_id,
                "chat_id": missed.chat_id,
                "run_id": missed.run_id,
                "point_index": missed.point_index,
                "post_id": missed.post_id,
                "sent_at": iso(now),
            },
        )


def record_private_answer(
    store: Store,
    user_id: int,
    message_id: int,
    display_name: str,
    reply_to_message_id: int,
    now: datetime,
    written_at: datetime | None = None,
    text: str | None = None,
    media_kind: str | None = None,
) -> tuple[int, Answer] | None:
    """A reply in the private chat to a catch-up message: the answer for that point (stored
    with the private chat's ids, so it can never clash with a group message). Returns the
    group's chat id and the answer; None when it replies to something else."""
    with store.transaction():
        sent = store.one(
            "SELECT catchup_posts.*, posts.point_id, posts.point_title FROM catchup_posts"
            " JOIN posts ON posts.id = catchup_posts.post_id"
            " WHERE catchup_posts.user_id = ? AND catchup_posts.message_id = ?",
            [user_id, reply_to_message_id],
        )
        if sent is None:
            return None
        existing = store.one(
            "SELECT id FROM answers WHERE chat_id = ? AND message_id = ?", [user_id, message_id]
        )
        if existing is None:
            insert_answer(
                store, user_id, message_id, sent["post_id"], sent, user_id, display_name,
                text, media_kind, reply_to_message_id, written_at or now, given_in_private=True,
            )  # fmt: skip
        row = store.one(
            "SELECT answers.*, runs.number AS run_number FROM answers"
            " JOIN runs ON runs.id = answers.run_id"
            " WHERE answers.chat_id = ? AND answers.message_id = ?",
            [user_id, message_id],
        )
        assert row is not None
        return sent["chat_id"], answer_from_row(row, duplicate=existing is not None)
