"""The circle's minutes: one run's points, their prompts and every answer.

Read-only and plain values: `load_minutes` reads the store (answers_view) and the exchange
content; bot/minutes_format.py turns the result into Markdown, CSV or JSON. Times are shown in
the circle's time zone. The minutes list the points that were posted or answered in the run, in
point order; a point that was never reached is left out rather than shown empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.exchange import Exchange, Point
from bot.model import SENT, Refusal
from bot.store import Store, parse_iso
from bot.text import circle as text
from bot.text import minutes as minutes_text


@dataclass(frozen=True)
class MinutesAnswer:
    author: str
    user_id: int
    created_at: datetime  # in the circle's time zone
    edited_at: datetime | None
    media_kind: str | None
    text: str | None

    @property
    def body(self) -> str:
        """What was said, for reading: the text, with "[voice]" etc. in front of a caption."""
        text = self.text or ""
        if self.media_kind:
            return f"[{self.media_kind}] {text}".strip()
        return text or minutes_text.no_text()


@dataclass(frozen=True)
class MinutesPoint:
    number: int  # 1-based
    id: str
    title: str
    prompts: tuple[str, ...]
    answers: tuple[MinutesAnswer, ...]


@dataclass(frozen=True)
class Minutes:
    chat_id: int
    exchange_id: str
    exchange_title: str
    run_number: int
    run_count: int
    timezone: str
    started_at: datetime
    finished_at: datetime | None
    points: tuple[MinutesPoint, ...]

    @property
    def answer_count(self) -> int:
        return sum(len(point.answers) for point in self.points)

    @property
    def author_count(self) -> int:
        return len({answer.user_id for point in self.points for answer in point.answers})


def load_minutes(
    store: Store,
    exchanges: Mapping[str, Exchange],
    chat_id: int,
    run_number: int | None = None,
) -> Minutes | Refusal:
    """One run of the chat's circle (the current one by default), or why there is none."""
    with store.transaction(write=False):
        circle = store.one(
            "SELECT circles.id, circles.timezone, runs.number AS run_number FROM circles"
            " LEFT JOIN runs ON runs.id = circles.run_id WHERE circles.chat_id = ?",
            [chat_id],
        )
        if circle is None or circle["run_number"] is None:
            return Refusal(text.no_minutes())
        run_count = store.scalar("SELECT MAX(number) FROM runs WHERE circle_id = ?", [circle["id"]])
        number = circle["run_number"] if run_number is None else run_number
        run = store.one(
            "SELECT * FROM runs WHERE circle_id = ? AND number = ?", [circle["id"], number]
        )
        if run is None:
            return Refusal(text.no_such_run(number, run_count))
        # The run's answers, wherever they were given (a group that became a supergroup keeps
        # its old answers under the old chat id, tied to the same run).
        answers = store.all(
            "SELECT answers_view.*, answers.point_index FROM answers_view"
            " JOIN answers ON answers.id = answers_view.answer_id"
            " WHERE answers.run_id = ?"
            " ORDER BY answers.point_index, answers_view.created_at, answers_view.answer_id",
            [run["id"]],
        )
        posted = store.all(
            "SELECT point_index, MAX(point_id) AS point_id, MAX(point_title) AS point_title"
            " FROM posts WHERE run_id = ? AND status = ? GROUP BY point_index",
            [run["id"], SENT],
        )
    zone = _zone(circle["timezone"])
    exchange = exchanges.get(run["exchange_id"])
    stored = {row["point_index"]: row for row in posted}
    for row in answers:
        stored.setdefault(row["point_index"], row)
    points = []
    for index in sorted(stored):
        point_id = stored[index]["point_id"]
        content = _content_point(exchange, point_id)
        points.append(
            MinutesPoint(
                number=index + 1,
                id=point_id,
                title=stored[index]["point_title"]
                or (content.title if content else None)
                or point_id,
                prompts=content.prompts if content else (),
                answers=tuple(_answer(row, zone) for row in answers if row["point_index"] == index),
            )
        )
    started = parse_iso(run["started_at"])
    assert started is not None
    finished = parse_iso(run["finished_at"])
    return Minutes(
        chat_id=chat_id,
        exchange_id=run["exchange_id"],
        exchange_title=exchange.title if exchange else run["exchange_id"],
        run_number=run["number"],
        run_count=run_count,
        timezone=str(zone),
        started_at=started.astimezone(zone),
        finished_at=finished.astimezone(zone) if finished else None,
        points=tuple(points),
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _content_point(exchange: Exchange | None, point_id: str) -> Point | None:
    """The content point an answer belongs to, by id (content files can be reordered)."""
    if exchange is None:
        return None
    found = exchange.point_index(point_id)
    return exchange.points[found] if found is not None else None


def _answer(row: dict[str, Any], zone: ZoneInfo) -> MinutesAnswer:
    created = parse_iso(row["created_at"])
    assert created is not None
    edited = parse_iso(row["edited_at"])
    return MinutesAnswer(
        author=row["author"],
        user_id=row["user_id"],
        created_at=created.astimezone(zone),
        edited_at=edited.astimezone(zone) if edited else None,
        media_kind=row["media_kind"],
        text=row["text"],
    )
