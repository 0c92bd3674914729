"""Read-only use-cases: a circle's settings, /status, the points overview, active circles."""

from __future__ import annotations

from datetime import datetime

from bot.circle_types import (
    ACTIVE,
    SENT,
    CircleInfo,
    PointLine,
    Refusal,
    ServiceBase,
    Status,
    circle_info,
)
from bot.render import render_point


class OverviewUseCases(ServiceBase):
    def circle(self, chat_id: int) -> CircleInfo | None:
        with self.store.transaction(write=False):
            row = self._row(chat_id)
            return circle_info(row) if row else None

    def active_circles(self) -> list[CircleInfo]:
        """Running and paused circles, to re-arm their schedules at start-up."""
        with self.store.transaction(write=False):
            rows = self.store.all(
                "SELECT circles.*, runs.number AS run_number FROM circles"
                " JOIN runs ON runs.id = circles.run_id"
                " WHERE circles.state IN (?, ?) ORDER BY circles.id",
                list(ACTIVE),
            )
            return [circle_info(row) for row in rows]

    def status(self, chat_id: int, now: datetime) -> Status | Refusal:
        """Where the circle stands, and who answered the current point in this run."""
        with self.store.transaction(write=False):
            loaded = self._load(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            row, exchange = loaded
            index = min(row["current_point"], len(exchange.points) - 1)
            answers = self.store.all(
                "SELECT user_id, display_name FROM answers"
                " WHERE run_id = ? AND point_index = ? ORDER BY created_at, id",
                [row["run_id"], index],
            )
            answered_ids = {answer["user_id"] for answer in answers}
            names = {answer["user_id"]: answer["display_name"] for answer in answers}
            members = self.store.all(
                "SELECT user_id, display_name FROM members WHERE chat_id = ?"
                " ORDER BY display_name COLLATE NOCASE, user_id",
                [chat_id],
            )
            return Status(
                exchange_id=exchange.id,
                exchange_title=exchange.title,
                point_number=index + 1,
                point_count=len(exchange.points),
                point_title=exchange.points[index].title,
                state=row["state"],
                run_number=row["run_number"],
                answer_count=len(answers),
                answered=tuple(dict.fromkeys(names[a["user_id"]] for a in answers)),
                not_answered=tuple(
                    m["display_name"] for m in members if m["user_id"] not in answered_ids
                ),
                point_posted=self._point_posted(row, exchange),
            )

    def points_overview(self, chat_id: int) -> list[PointLine] | Refusal:
        """Every point; `discussed` = all its messages were sent in one visit this run."""
        with self.store.transaction(write=False):
            loaded = self._load(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            row, exchange = loaded
            sent: dict[tuple[int, int], set[str]] = {}
            for post in self.store.all(
                "SELECT point_index, cursor, key FROM posts WHERE run_id = ? AND status = ?",
                [row["run_id"], SENT],
            ):
                sent.setdefault((post["point_index"], post["cursor"]), set()).add(post["key"])
            lines = []
            for index, point in enumerate(exchange.points):
                keys = {out.key for out in render_point(exchange, index)}
                discussed = any(
                    keys <= slot_keys for (i, _), slot_keys in sent.items() if i == index
                )
                current = index == row["current_point"] and row["state"] in ACTIVE
                lines.append(PointLine(index + 1, point.title, discussed, current))
            return lines
