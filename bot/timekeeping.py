"""What the timetable remembers across restarts, and the time arithmetic it decides with.

Pure engine code (no `telegram`, no clock reads): the bot's timetable (bot/telegram/timetable.py)
passes `now` in. Three columns of `circles` carry the bookkeeping (migration 3):

- `last_slot_at`: every scheduled session up to this time has been dealt with: posted, skipped
  because the circle was paused or on holiday, or reported missed after downtime. Start-up
  compares it with the schedule to find what an outage cost.
- `session_started_at` / `session_cursor`: when the scheduled session of posting slot
  `session_cursor` began. Pacing (`/pace reply +10m prompt +20m`) counts from it, so a restart
  knows which parts are due. A /next, /skip or /goto moves the cursor on and ends the pacing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.circle_types import CircleInfo, Refusal, ServiceBase, circle_info
from bot.schedule import (
    Pacing,
    Schedule,
    ScheduleError,
    format_holiday,
    load_schedule,
    next_runs,
    parse_holiday,
    parse_pace,
    parse_schedule,
)
from bot.schedule_parse import MONTHS, WEEKDAYS, format_day
from bot.store import iso, parse_iso

Holidays = Sequence[tuple[date, date]]
MAX_SLOTS = 5000  # slots looked at when catching up; daily sessions for 13 years
# A job may fire a little before the injected clock reaches its time (tests, clock skew).
TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Marks:
    last_slot_at: datetime | None
    session_started_at: datetime | None
    session_cursor: int | None


def holidays_of(circle: CircleInfo) -> list[tuple[date, date]]:
    return [parse_holiday(text) for text in circle.holidays]


def pacing_of(circle: CircleInfo) -> Pacing:
    return parse_pace(circle.pacing) if circle.pacing else Pacing()


def earlier(moment: datetime, delta: timedelta) -> datetime:
    """`delta` of real time before `moment`, in its time zone (not wall-clock arithmetic)."""
    return (moment.astimezone(UTC) - delta).astimezone(moment.tzinfo)


def on_holiday(moment: datetime, holidays: Holidays) -> bool:
    """Whether `moment` (in the circle's time zone) falls on a holiday date."""
    return any(start <= moment.date() <= end for start, end in holidays)


def slots_between(
    schedule: Schedule, after: datetime, until: datetime, holidays: Holidays = ()
) -> list[datetime]:
    """Session times in (after, until], in the schedule's time zone, holidays left out."""
    trigger = schedule.trigger()
    slots: list[datetime] = []
    fire = trigger.get_next_fire_time(None, after)
    for _ in range(MAX_SLOTS):
        if fire is None or fire > until:
            break
        if fire > after and not on_holiday(fire, holidays):
            slots.append(fire.astimezone(UTC).astimezone(fire.tzinfo))  # normalised
        following = trigger.get_next_fire_time(fire, fire)
        # A one-off (DateTrigger) answers its date again when asked from before it.
        fire = following if following is not None and following > fire else None
    return slots


def due_parts(pacing: Pacing, started: datetime, timezone: str, now: datetime) -> frozenset[str]:
    """The parts of a paced session that are due at `now`; a poll goes with the prompt."""
    due = {part for part in pacing.offsets if pacing.at(started, part, timezone) <= now}
    if "prompt" in due:
        due.add("poll")
    return frozenset(due)


def when(moment: datetime) -> str:
    """`Thu 3 Dec 2026 19:00`, in the moment's own time zone."""
    return f"{format_day(moment.date())} {moment:%H:%M}"


def short_day(moment: datetime) -> str:
    """`Thu 3 Dec`."""
    return f"{WEEKDAYS[moment.weekday()].capitalize()} {moment.day} {MONTHS[moment.month - 1]}"


def schedule_of(circle: CircleInfo) -> Schedule | None:
    if not circle.schedule:
        return None
    try:
        return load_schedule(circle.schedule)
    except ValueError:
        return None  # written by a newer bot, or by hand: treated as no schedule


def upcoming(circle: CircleInfo, now: datetime, count: int = 3) -> list[datetime]:
    """The next `count` real sessions (holidays skipped), in the circle's time zone."""
    schedule = schedule_of(circle)
    if schedule is None:
        return []
    return next_runs(schedule, now, count, holidays_of(circle))


class TimekeepingUseCases(ServiceBase):
    def marks(self, chat_id: int) -> Marks | None:
        with self.store.transaction(write=False):
            row = self._row(chat_id)
            if row is None:
                return None
            return Marks(
                parse_iso(row["last_slot_at"]),
                parse_iso(row["session_started_at"]),
                row["session_cursor"],
            )

    def mark_slot(self, chat_id: int, slot: datetime) -> None:
        """Every scheduled session up to `slot` has been dealt with (never moves backwards)."""
        with self.store.transaction():
            self.store.execute(
                "UPDATE circles SET last_slot_at = ? WHERE chat_id = ?"
                " AND (last_slot_at IS NULL OR last_slot_at < ?)",
                [iso(slot), chat_id, iso(slot)],
            )

    def mark_session(self, chat_id: int, slot: datetime, started: datetime, cursor: int) -> None:
        """The scheduled session for `slot` began at `started`, posting slot `cursor`."""
        with self.store.transaction():
            self.mark_slot(chat_id, slot)
            self.store.execute(
                "UPDATE circles SET session_started_at = ?, session_cursor = ? WHERE chat_id = ?",
                [iso(started), cursor, chat_id],
            )

    def pace_times(self, chat_id: int) -> dict[str, datetime]:
        """When each part of the current paced session goes out; {} when nothing is paced."""
        with self.store.transaction(write=False):
            row = self._row(chat_id)
            if row is None or not row["pacing"] or row["session_started_at"] is None:
                return {}
            if row["session_cursor"] != row["cursor"]:
                return {}
            started = parse_iso(row["session_started_at"])
            assert started is not None
            pacing = parse_pace(row["pacing"])
            return {part: pacing.at(started, part, row["timezone"]) for part in pacing.offsets}

    def due_parts(self, chat_id: int, now: datetime) -> frozenset[str] | None:
        """The parts of the current point that may go out now; None: all of them."""
        with self.store.transaction(write=False):
            row = self._row(chat_id)
            if row is None or not row["pacing"] or row["session_started_at"] is None:
                return None
            if row["session_cursor"] != row["cursor"]:
                return None
            started = parse_iso(row["session_started_at"])
            assert started is not None
            return due_parts(parse_pace(row["pacing"]), started, row["timezone"], now)

    def set_timetable(
        self, chat_id: int, schedule: Schedule | None, now: datetime, actor_id: int | None
    ) -> CircleInfo | Refusal:
        """Store a schedule (its time zone becomes the circle's) or clear it with None.

        Sessions of the new schedule before `now` are not owed: nothing is caught up for them.
        """
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return self._no_circle()
            fields: dict[str, Any] = {"schedule": None, "last_slot_at": iso(now)}
            detail = "(none)"
            if schedule is not None:
                fields.update(schedule=schedule.spec, timezone=schedule.timezone)
                detail = schedule.spec
            self._update(row["id"], now, **fields)
            self._audit(row, actor_id, "set_schedule", now, detail)
            return self._info(chat_id)

    def apply_default_schedule(self, chat_id: int, spec: str, now: datetime) -> CircleInfo | None:
        """Give the config's schedule to a circle whose organizers never set or cleared one.

        None when nothing changed (no default, a schedule was set before, or the default no
        longer parses, e.g. a one-off in the past).
        """
        if not spec:
            return None
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None or row["schedule"] is not None:
                return None
            touched = self.store.scalar(
                "SELECT count(*) FROM audit_log WHERE circle_id = ? AND action = 'set_schedule'",
                [row["id"]],
            )
            if touched:
                return None
            try:
                schedule = parse_schedule(spec, row["timezone"], now)
            except ScheduleError:
                return None
            if schedule is None:
                return None
            result = self.set_timetable(chat_id, schedule, now, None)
            return result if isinstance(result, CircleInfo) else None

    def add_holiday(
        self, chat_id: int, holiday: tuple[date, date], now: datetime, actor_id: int | None
    ) -> CircleInfo | Refusal:
        """Add a break to the circle's holidays (kept sorted, duplicates dropped)."""
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return self._no_circle()
            ranges = sorted({*holidays_of(circle_info(row)), holiday})
            return self._set_holidays(row, [format_holiday(r) for r in ranges], now, actor_id)

    def clear_holidays(
        self, chat_id: int, now: datetime, actor_id: int | None
    ) -> CircleInfo | Refusal:
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return self._no_circle()
            return self._set_holidays(row, [], now, actor_id)

    def _set_holidays(
        self, row: dict[str, Any], texts: list[str], now: datetime, actor_id: int | None
    ) -> CircleInfo:
        text = json.dumps(texts)
        self._update(row["id"], now, holidays=text)
        self._audit(row, actor_id, "set_holidays", now, text)
        return self._info(row["chat_id"])
