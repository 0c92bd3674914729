"""The posting protocol (docs/posting-protocol.md): each message of a visit is posted at most
once once confirmed, and never skipped.

A `Delivery` is what one visit still has to post now, rendered once. The Telegram layer walks
it in order:

    if begin_post(store, delivery, first, now):            # 'sending', before the Bot API call
        message = send to Telegram                          # refused for good -> abandon_post
        go_on = record_post(store, delivery, first, message_id, now, begin_next=second)

`record_post` confirms one message ('sent', with its message id) and begins the next in the
same transaction, so a visit of n messages costs n + 1 transactions. A row left 'sending'
(crash or timeout between begin and record) is sent again: at-least-once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from typing import Any

from bot.exchange import Exchange
from bot.model import RUNNING, SENDING, SENT, Circle
from bot.polls import add_poll
from bot.render import Outgoing, render_point
from bot.schedule.timetable import due_parts
from bot.store import Store, iso


@dataclass(frozen=True)
class Delivery:
    """The messages of one visit to post now, in order. `uncertain` keys were begun before but
    never confirmed: they may or may not have reached the chat, and are sent again."""

    circle_id: int
    chat_id: int
    thread_id: int | None
    run_id: int
    visit: int
    point_index: int
    point_id: str
    point_title: str
    messages: tuple[Outgoing, ...]
    uncertain: frozenset[str] = frozenset()
    paced: bool = False  # only the parts its pacing made due; the rest waits for pace jobs

    @property
    def fresh(self) -> bool:
        """Nothing of this visit was attempted yet: its first message is the letter."""
        first = self.messages[0] if self.messages else None
        return first is not None and first.key == "letter" and first.key not in self.uncertain

    def after(self, outgoing: Outgoing) -> Outgoing | None:
        index = self.messages.index(outgoing)
        return self.messages[index + 1] if index + 1 < len(self.messages) else None


def visit_posts(store: Store, run_id: int | None, visit: int) -> dict[str, dict[str, Any]]:
    rows = store.all(
        "SELECT key, status, attempts FROM posts WHERE run_id = ? AND visit = ?", [run_id, visit]
    )
    return {row["key"]: row for row in rows}


def point_posted(
    posts: dict[str, dict[str, Any]], rendered: list[Outgoing], within_exchange: bool
) -> bool:
    """Whether every message of the point was confirmed sent in this visit."""
    if not within_exchange:
        return True
    return all(posts.get(out.key, {}).get("status") == SENT for out in rendered)


def delivery(
    store: Store,
    circle: Circle,
    exchange: Exchange,
    now: datetime,
    *,
    paced: bool,
    rendered: list[Outgoing] | None = None,
) -> Delivery | None:
    """What the circle's current visit has to post now; None when nothing is due.

    `paced`: only the parts the visit's pacing makes due at `now`, stopping at the first part
    that is not (the rest goes out later, still in order); otherwise everything pending.
    """
    index = circle.point_index
    if circle.state != RUNNING or index >= len(exchange.points) or circle.run_id is None:
        return None
    posts = visit_posts(store, circle.run_id, circle.visit)
    pending = [
        out
        for out in (rendered or render_point(exchange, index))
        if posts.get(out.key, {}).get("status") != SENT
    ]
    started = circle.paced_since() if paced else None
    if started is not None:
        due = due_parts(circle.pacing, started, circle.timezone, now)
        cut = next((n for n, out in enumerate(pending) if out.part not in due), len(pending))
        pending = pending[:cut]
    if not pending:
        return None
    point = exchange.points[index]
    return Delivery(
        circle_id=circle.id,
        chat_id=circle.chat_id,
        thread_id=circle.thread_id,
        run_id=circle.run_id,
        visit=circle.visit,
        point_index=index,
        point_id=point.id,
        point_title=point.title,
        messages=tuple(pending),
        uncertain=frozenset(key for key in posts if posts[key]["status"] == SENDING),
        paced=started is not None,
    )


def _begin(store: Store, plan: Delivery, outgoing: Outgoing, now: datetime) -> bool:
    if outgoing not in plan.messages:
        return False  # only the delivery's own messages, in the visit it was made for
    circle = store.one("SELECT state, visit, run_id FROM circles WHERE id = ?", [plan.circle_id])
    if circle is None or circle["state"] != RUNNING:
        return False
    if circle["visit"] != plan.visit or circle["run_id"] != plan.run_id:
        return False  # a /skip, /goto or new run moved on: this visit is over
    post = store.one(
        "SELECT id, status FROM posts WHERE run_id = ? AND visit = ? AND key = ?",
        [plan.run_id, plan.visit, outgoing.key],
    )
    if post is not None:
        if post["status"] == SENT:
            return False
        store.execute("UPDATE posts SET attempts = attempts + 1 WHERE id = ?", [post["id"]])
        return True
    store.insert(
        "posts",
        {
            "circle_id": plan.circle_id,
            "chat_id": plan.chat_id,
            "run_id": plan.run_id,
            "point_index": plan.point_index,
            "point_id": plan.point_id,
            "point_title": plan.point_title,
            "visit": plan.visit,
            "key": outgoing.key,
            "part": outgoing.part,
            "status": SENDING,
            "attempts": 1,
            "created_at": iso(now),
        },
    )
    return True


def begin_post(store: Store, plan: Delivery, outgoing: Outgoing, now: datetime) -> bool:
    """Mark a message 'sending' before calling Telegram. False: do not send it (the circle is
    not running, the visit moved on, or the message was already confirmed)."""
    with store.transaction():
        return _begin(store, plan, outgoing, now)


def record_post(
    store: Store,
    plan: Delivery,
    outgoing: Outgoing,
    message_id: int,
    now: datetime,
    *,
    chat_id: int | None = None,
    poll_id: str | None = None,
    begin_next: Outgoing | None = None,
) -> bool:
    """Confirm Telegram took the message (its visit's row, even after a /skip, so replies to it
    count for that point) and begin `begin_next`. Returns whether `begin_next` may be sent."""
    with store.transaction():
        confirmed = store.execute(
            "UPDATE posts SET status = ?, message_id = ?, poll_id = ?, sent_at = ?,"
            " chat_id = COALESCE(?, chat_id) WHERE run_id = ? AND visit = ? AND key = ?",
            [SENT, message_id, poll_id, iso(now), chat_id, plan.run_id, plan.visit, outgoing.key],
        ).rowcount
        if confirmed and poll_id is not None and outgoing.poll is not None:
            post_id = store.scalar(
                "SELECT id FROM posts WHERE run_id = ? AND visit = ? AND key = ?",
                [plan.run_id, plan.visit, outgoing.key],
            )
            add_poll(store, post_id, poll_id, outgoing.poll, now)
        # Never past a message that was not begun: the next one would overtake it.
        return begin_next is not None and confirmed > 0 and _begin(store, plan, begin_next, now)


def abandon_post(store: Store, plan: Delivery, outgoing: Outgoing) -> None:
    """Telegram definitely refused the message: forget its 'sending' mark."""
    with store.transaction():
        store.execute(
            "DELETE FROM posts WHERE run_id = ? AND visit = ? AND key = ? AND status = ?",
            [plan.run_id, plan.visit, outgoing.key, SENDING],
        )


def post_of_message(store: Store, chat_id: int, message_id: int) -> dict[str, Any] | None:
    """The sent post a message of the bot is (its confirmed copy, or a copy learnt since),
    with its run's number; the caller must not change it.

    Every answer asks this, mostly about the same few posts, and what it returns never
    changes once a post is sent (a sent post is never deleted or moved): it is remembered.
    """
    key = ("post_of_message", chat_id, message_id)
    post = store.memo.get(key)
    if post is None:
        post = store.one(
            f"SELECT {POST_OF_MESSAGE} FROM posts JOIN runs ON runs.id = posts.run_id"
            " WHERE posts.chat_id = ? AND posts.message_id = ? AND posts.status = 'sent'"
            f" UNION ALL SELECT {POST_OF_MESSAGE} FROM post_copies"
            " JOIN posts ON posts.id = post_copies.post_id JOIN runs ON runs.id = posts.run_id"
            " WHERE post_copies.chat_id = ? AND post_copies.message_id = ? LIMIT 1",
            [chat_id, message_id, chat_id, message_id],
        )
        if post is not None:
            store.remember(key, post)
    return post


# What an answer needs of its post (a reply looks it up: every column more costs every answer).
POST_OF_MESSAGE = (
    "posts.id, posts.run_id, posts.point_index, posts.point_id, posts.point_title,"
    " runs.number AS run_number"
)


def plain_text(outgoing: Outgoing) -> str:
    """What Telegram shows of a message: its HTML without tags (a poll: its question)."""
    if outgoing.poll is not None:
        return outgoing.poll.question.strip()
    return unescape(re.sub(r"<[^>]+>", "", outgoing.html)).strip()


def learn_copy(
    store: Store,
    chat_id: int,
    message_id: int,
    shown_text: str,
    exchanges: Mapping[str, Exchange],
    now: datetime,
) -> dict[str, Any] | None:
    """A bot message whose id no post has: an earlier copy of a resent post (at-least-once:
    Telegram took it, its answer was lost)? Found by its text among the chat's resent posts
    confirmed after it, and kept in post_copies so the next reply to it is found at once."""
    candidates = store.all(
        "SELECT posts.*, runs.number AS run_number, runs.exchange_id AS exchange_id FROM posts"
        " JOIN runs ON runs.id = posts.run_id"
        " WHERE posts.chat_id = ? AND posts.status = 'sent' AND posts.attempts > 1"
        " AND posts.message_id > ? ORDER BY posts.message_id",
        [chat_id, message_id],
    )
    for post in candidates:
        exchange = exchanges.get(post["exchange_id"])
        if exchange is None or post["point_index"] >= len(exchange.points):
            continue
        rendered = render_point(exchange, post["point_index"])
        outgoing = next((out for out in rendered if out.key == post["key"]), None)
        if outgoing is not None and plain_text(outgoing) == shown_text.strip():
            store.execute(
                "INSERT OR IGNORE INTO post_copies (post_id, chat_id, message_id, learnt_at)"
                " VALUES (?, ?, ?, ?)",
                [post["id"], chat_id, message_id, iso(now)],
            )
            post.pop("exchange_id")
            return post
    return None
