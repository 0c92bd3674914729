"""Plain values the circle engine returns, and the helpers its use-case modules share.

Import these from `bot.circle`, which re-exports them; this module only exists so that
bot/circle.py, bot/posting.py and bot/answers.py can share them without importing each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.exchange import Exchange
from bot.render import Outgoing, render_point
from bot.store import Store, iso

# Command names quoted in refusals; the Telegram layer owns the real names, keep these in step.
COMMANDS = {
    "start": "/circle_start",
    "restart": "/restart",
    "resume": "/resume",
    "pause": "/pause",
    "goto": "/goto",
}

RUNNING, PAUSED, FINISHED, STOPPED = "running", "paused", "finished", "stopped"
ACTIVE = (RUNNING, PAUSED)
SENDING, SENT = "sending", "sent"  # posts.status


@dataclass(frozen=True)
class Refusal:
    """A use-case declined; `message` is written for the person who asked."""

    message: str


@dataclass(frozen=True)
class CircleInfo:
    """A snapshot of one circle after a use-case. `current_point` is 0-based."""

    chat_id: int
    thread_id: int | None
    exchange_id: str
    state: str
    current_point: int
    cursor: int
    run_number: int
    timezone: str
    schedule: str | None
    pacing: str | None
    holidays: tuple[str, ...]
    remind_before_minutes: int | None

    @property
    def point_number(self) -> int:
        return self.current_point + 1

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


@dataclass(frozen=True)
class PendingPost:
    """The next message of the current point not yet confirmed sent.

    `uncertain` means an earlier attempt was begun but never confirmed: it may or may not have
    reached the chat (docs/posting-protocol.md); it is being sent again.
    """

    outgoing: Outgoing
    point_index: int
    cursor: int
    uncertain: bool
    attempts: int

    @property
    def key(self) -> str:
        return self.outgoing.key


@dataclass(frozen=True)
class Session:
    """What `open_session` did. `closed_point` (0-based) was fully posted and is now closed.

    `session_began`: a scheduled session began this posting slot now, so its pacing counts
    from now (`CircleService.open_scheduled_session`).
    """

    point_index: int
    closed_point: int | None
    finished: bool
    circle: CircleInfo
    session_began: bool = False


@dataclass(frozen=True)
class Status:
    exchange_id: str
    exchange_title: str
    point_number: int
    point_count: int
    point_title: str
    state: str
    run_number: int
    answer_count: int
    answered: tuple[str, ...]
    not_answered: tuple[str, ...]
    point_posted: bool


@dataclass(frozen=True)
class PointLine:
    number: int
    title: str
    discussed: bool
    current: bool


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


@dataclass(frozen=True)
class MemberAnswer:
    run_number: int
    point_number: int
    point_title: str
    text: str | None
    media_kind: str | None
    created_at: datetime
    edited_at: datetime | None


CIRCLE_SQL = """
    SELECT circles.*, COALESCE(runs.number, 0) AS run_number
    FROM circles LEFT JOIN runs ON runs.id = circles.run_id
"""


def circle_info(row: dict[str, Any]) -> CircleInfo:
    return CircleInfo(
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        exchange_id=row["exchange_id"],
        state=row["state"],
        current_point=row["current_point"],
        cursor=row["cursor"],
        run_number=row["run_number"],
        timezone=row["timezone"],
        schedule=row["schedule"],
        pacing=row["pacing"],
        holidays=tuple(json.loads(row["holidays"] or "[]")),
        remind_before_minutes=row["remind_before_minutes"],
    )


class ServiceBase:
    """State and lookups shared by the use-case mixins of `CircleService`."""

    def __init__(self, store: Store, exchanges: dict[str, Exchange]):
        self.store = store
        self.exchanges = exchanges

    def _row(self, chat_id: int) -> dict[str, Any] | None:
        return self.store.one(CIRCLE_SQL + " WHERE circles.chat_id = ?", [chat_id])

    def _load(self, chat_id: int) -> tuple[dict[str, Any], Exchange] | Refusal:
        """The chat's circle and its exchange, or why there is none."""
        row = self._row(chat_id)
        if row is None:
            return self._no_circle()
        exchange = self.exchanges.get(row["exchange_id"])
        if exchange is None:
            return Refusal(
                f"This circle's exchange {row['exchange_id']!r} is no longer in the library."
            )
        return row, exchange

    def _update(self, circle_id: int, now: datetime, **fields: Any) -> None:
        fields["updated_at"] = iso(now)
        assignments = ", ".join(f"[{name}] = ?" for name in fields)
        self.store.execute(
            f"UPDATE circles SET {assignments} WHERE id = ?", [*fields.values(), circle_id]
        )

    def _info(self, chat_id: int) -> CircleInfo:
        row = self._row(chat_id)
        assert row is not None
        return circle_info(row)

    def _finish(self, row: dict[str, Any], now: datetime, state: str) -> None:
        self._update(row["id"], now, state=state)
        self.store.execute(
            "UPDATE runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
            [iso(now), row["run_id"]],
        )

    def _slot_posts(self, run_id: int, cursor: int) -> dict[str, dict[str, Any]]:
        rows = self.store.all(
            "SELECT * FROM posts WHERE run_id = ? AND cursor = ?", [run_id, cursor]
        )
        return {row["key"]: row for row in rows}

    def _point_posted(self, row: dict[str, Any], exchange: Exchange) -> bool:
        """Whether every message of the current point was confirmed sent in this slot."""
        if row["current_point"] >= len(exchange.points):
            return True
        posts = self._slot_posts(row["run_id"], row["cursor"])
        return all(
            posts.get(out.key, {}).get("status") == SENT
            for out in render_point(exchange, row["current_point"])
        )

    def _no_circle(self) -> Refusal:
        return Refusal(
            f"There is no circle in this chat: start one with {COMMANDS['start']} [exchange]."
        )

    def _audit(
        self,
        row: dict[str, Any],
        actor_id: int | None,
        action: str,
        now: datetime,
        detail: str = "",
    ) -> None:
        self.store.audit(
            chat_id=row["chat_id"],
            circle_id=row["id"],
            actor_id=actor_id,
            action=action,
            detail=detail,
            now=now,
        )
