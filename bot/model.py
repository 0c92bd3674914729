"""The circle as a plain value, loaded in one query, and the engine's other plain values.

Vocabulary (docs/architecture.md): a *point* has a 0-based `point_index` inside the engine and
a 1-based `point_number` for people; a *visit* is one posting pass over a point (every /next,
/skip, /goto or new run starts a new visit, and a message is posted at most once per visit);
a *slot* is a scheduled time; a *run* is one walk through the exchange.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.exchange import Exchange
from bot.schedule.language import Pacing
from bot.schedule.timetable import pace_times
from bot.settings import Settings, from_json
from bot.store import Store, parse_iso
from bot.text import DEFAULT
from bot.text import circle as text
from bot.text import circle_language as spoken_by

RUNNING, PAUSED, FINISHED, STOPPED = "running", "paused", "finished", "stopped"
ACTIVE = (RUNNING, PAUSED)
SENDING, SENT = "sending", "sent"  # posts.status


@dataclass(frozen=True)
class Refusal:
    """A use-case declined; `message` is written for the person who asked (plain text)."""

    message: str


@dataclass(frozen=True)
class Marks:
    """The timetable's bookkeeping: every slot up to `last_slot_at` was dealt with; the
    scheduled session of visit `session_visit` began at `session_started_at` (pacing)."""

    last_slot_at: datetime | None = None
    session_started_at: datetime | None = None
    session_visit: int | None = None


@dataclass(frozen=True)
class Circle:
    id: int
    chat_id: int
    thread_id: int | None
    exchange_id: str
    state: str
    point_index: int
    visit: int
    run_id: int | None
    run_number: int
    timezone: str
    settings: Settings
    marks: Marks

    @property
    def point_number(self) -> int:
        return self.point_index + 1

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def pacing(self) -> Pacing:
        return self.settings.pacing

    def paced_since(self) -> datetime | None:
        """When the scheduled session of the current visit began, if that visit is paced."""
        marks = self.marks
        if not self.settings.paced or marks.session_visit != self.visit:
            return None
        return marks.session_started_at

    def pace_times(self) -> dict[str, datetime]:
        """When each part of the current paced visit goes out; {} when it is not paced."""
        started = self.paced_since()
        return {} if started is None else pace_times(self.pacing, started, self.timezone)


CIRCLE_SQL = """
    SELECT circles.*, COALESCE(runs.number, 0) AS run_number
    FROM circles LEFT JOIN runs ON runs.id = circles.run_id
"""


def circle_from_row(row: dict[str, Any]) -> Circle:
    return Circle(
        id=row["id"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        exchange_id=row["exchange_id"],
        state=row["state"],
        point_index=row["point_index"],
        visit=row["visit"],
        run_id=row["run_id"],
        run_number=row["run_number"],
        timezone=row["timezone"],
        settings=from_json(row["settings"]),
        marks=Marks(
            parse_iso(row["last_slot_at"]),
            parse_iso(row["session_started_at"]),
            row["session_visit"],
        ),
    )


def load_circle(store: Store, chat_id: int) -> Circle | None:
    row = store.one(CIRCLE_SQL + " WHERE circles.chat_id = ?", [chat_id])
    return circle_from_row(row) if row else None


def circle_language(store: Store, exchanges: Mapping[str, Exchange], chat_id: int) -> str:
    """What /language chose for the chat's circle, else its exchange's language, else English
    (also without a circle): one narrow query, as every update that sends text asks it."""
    row = store.one(
        "SELECT exchange_id, CASE WHEN json_valid(settings)"
        " THEN json_extract(settings, '$.language') END AS language"
        " FROM circles WHERE chat_id = ?",
        [chat_id],
    )
    if row is None:
        return DEFAULT
    exchange = exchanges.get(row["exchange_id"])
    return spoken_by(row["language"], exchange.language if exchange else None)


def load_with_exchange(
    store: Store, exchanges: Mapping[str, Exchange], chat_id: int
) -> tuple[Circle, Exchange] | Refusal:
    """The chat's circle and its exchange, or why there is none."""
    circle = load_circle(store, chat_id)
    if circle is None:
        return Refusal(text.no_circle())
    exchange = exchanges.get(circle.exchange_id)
    if exchange is None:
        return Refusal(text.exchange_gone(circle.exchange_id))
    return circle, exchange


def load_active(store: Store) -> list[Circle]:
    """Running and paused circles, to re-arm their timetables at start-up."""
    rows = store.all(
        CIRCLE_SQL + " WHERE circles.state IN (?, ?) ORDER BY circles.id", list(ACTIVE)
    )
    return [circle_from_row(row) for row in rows]


def wrong_state(action: str, state: str) -> str | None:
    """Why `action` is refused in `state`, or None when it is allowed."""
    if action == "pause":
        if state == RUNNING:
            return None
        return text.already_paused() if state == PAUSED else text.nothing_to_pause()
    if action == "resume":
        return None if state in (PAUSED, STOPPED) else text.not_paused()
    return None if state in ACTIVE else text.nothing_to_stop()
