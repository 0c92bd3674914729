"""The posting protocol and the session flow (docs/posting-protocol.md).

Every visit of a point is a posting slot, identified by the circle's `cursor`; each message of
the point (`Outgoing.key`) is posted at most once per slot once confirmed:

    pending = next_post(chat)            # None: the current point is fully posted
    if begin_post(chat, pending.key, now, cursor=pending.cursor):   # status 'sending'
        message = send to Telegram       # refused for good -> abandon_post(chat, key)
        record_post(chat, key, message.id, now, cursor=pending.cursor)  # status 'sent'

A row left 'sending' (crash or timeout between begin and record) is sent again: at-least-once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.circle_types import (
    COMMANDS,
    FINISHED,
    PAUSED,
    RUNNING,
    SENDING,
    SENT,
    STOPPED,
    PendingPost,
    Refusal,
    ServiceBase,
    Session,
)
from bot.exchange import Exchange
from bot.render import Outgoing, render_point
from bot.store import iso


class PostingUseCases(ServiceBase):
    def next_post(self, chat_id: int) -> PendingPost | None:
        """The next message of the current point to send, or None (nothing to post now)."""
        with self.store.transaction(write=False):
            loaded = self._load(chat_id)
            if isinstance(loaded, Refusal):
                return None
            row, exchange = loaded
            index = row["current_point"]
            if row["state"] != RUNNING or index >= len(exchange.points):
                return None
            posts = self._slot_posts(row["run_id"], row["cursor"])
            for outgoing in render_point(exchange, index):
                post = posts.get(outgoing.key)
                if post is not None and post["status"] == SENT:
                    continue
                return PendingPost(
                    outgoing=outgoing,
                    point_index=index,
                    cursor=row["cursor"],
                    uncertain=post is not None,
                    attempts=post["attempts"] if post else 0,
                )
            return None

    def _outgoing(self, row: dict[str, Any], exchange: Exchange, key: str) -> Outgoing | None:
        if row["current_point"] >= len(exchange.points):
            return None
        for outgoing in render_point(exchange, row["current_point"]):
            if outgoing.key == key:
                return outgoing
        return None

    def begin_post(self, chat_id: int, key: str, now: datetime, cursor: int | None = None) -> bool:
        """Mark a message 'sending' before calling Telegram. False: do not send it.

        False when the circle is not running, the slot moved on (pass `cursor` from the
        PendingPost to detect a /skip or /goto that happened meanwhile), the key is not part of
        the current point, or the message was already confirmed sent.
        """
        with self.store.transaction():
            loaded = self._load(chat_id)
            if isinstance(loaded, Refusal):
                return False
            row, exchange = loaded
            if row["state"] != RUNNING or cursor not in (None, row["cursor"]):
                return False
            outgoing = self._outgoing(row, exchange, key)
            if outgoing is None:
                return False
            post = self._slot_posts(row["run_id"], row["cursor"]).get(key)
            if post is not None:
                if post["status"] == SENT:
                    return False
                self.store.execute(
                    "UPDATE posts SET attempts = attempts + 1 WHERE id = ?", [post["id"]]
                )
                return True
            point = exchange.points[row["current_point"]]
            self.store.insert(
                "posts",
                {
                    "circle_id": row["id"],
                    "chat_id": row["chat_id"],
                    "run_id": row["run_id"],
                    "point_index": row["current_point"],
                    "point_id": point.id,
                    "point_title": point.title,
                    "cursor": row["cursor"],
                    "key": key,
                    "part": outgoing.part,
                    "status": SENDING,
                    "attempts": 1,
                    "created_at": iso(now),
                },
            )
            return True

    def record_post(
        self,
        chat_id: int,
        key: str,
        message_id: int,
        now: datetime,
        poll_id: str | None = None,
        cursor: int | None = None,
    ) -> bool:
        """Confirm Telegram accepted the message. False if there was no such begun post.

        Pass the PendingPost's `cursor` so a confirmation arriving after a /skip still lands on
        the slot it was sent for (replies to it then count as answers to that point).
        """
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return False
            slot = row["cursor"] if cursor is None else cursor
            updated = self.store.execute(
                "UPDATE posts SET status = ?, message_id = ?, poll_id = ?, sent_at = ?"
                " WHERE circle_id = ? AND cursor = ? AND key = ?",
                [SENT, message_id, poll_id, iso(now), row["id"], slot, key],
            )
            return updated.rowcount > 0

    def abandon_post(self, chat_id: int, key: str, cursor: int | None = None) -> bool:
        """Telegram definitely refused the message: forget the 'sending' mark."""
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return False
            slot = row["cursor"] if cursor is None else cursor
            deleted = self.store.execute(
                "DELETE FROM posts WHERE circle_id = ? AND cursor = ? AND key = ? AND status = ?",
                [row["id"], slot, key, SENDING],
            )
            return deleted.rowcount > 0

    def open_session(self, chat_id: int, now: datetime) -> Session | Refusal:
        """Make the point to post current: keep an unfinished one, else close it and advance.

        After the last point the circle finishes (`finished=True`, nothing more to post).
        """
        with self.store.transaction():
            loaded = self._load(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            row, exchange = loaded
            if row["state"] == PAUSED:
                return Refusal(f"The circle is paused: {COMMANDS['resume']} it first.")
            if row["state"] in (FINISHED, STOPPED):
                return Refusal(
                    f"The circle has {row['state']}: use {COMMANDS['restart']} for a new run."
                )
            index = row["current_point"]
            count = len(exchange.points)
            if index < count and not self._point_posted(row, exchange):
                return Session(index, None, False, self._info(chat_id))
            closed = index if index < count else None
            if index + 1 >= count:
                self._finish(row, now, FINISHED)
                return Session(min(index, count - 1), closed, True, self._info(chat_id))
            self._update(row["id"], now, current_point=index + 1, cursor=row["cursor"] + 1)
            return Session(index + 1, closed, False, self._info(chat_id))
