"""A circle's settings — schedule, pacing, holidays, reminder, language — typed, stored as JSON.

Values are validated by the schedule language's parser before they are written (the commands
parse, the engine stores the parsed value), and read back into the same types. A stored value
that no longer reads (written by hand, or by a newer bot) is never silently dropped: it is
left out and named in `Settings.problems`, which /status and /schedule show and the log warns
about, until an organizer sets it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from bot.schedule.language import Pacing, ScheduleError, format_holiday
from bot.schedule.spec import Schedule
from bot.text import LANGUAGES

Holiday = tuple[date, date]


@dataclass(frozen=True)
class Settings:
    schedule: Schedule | None = None
    pacing: Pacing = field(default_factory=Pacing)
    holidays: tuple[Holiday, ...] = ()
    remind_before: timedelta | None = None
    # The circle's language as /language set it (a catalog locale of bot/text); None speaks
    # the exchange's `language`.
    language: str | None = None
    # An organizer set or cleared the schedule: the config's default schedule no longer applies.
    schedule_chosen: bool = False
    problems: tuple[str, ...] = ()
    # What did not read, as stored (JSON key -> value): written back unchanged until an
    # organizer sets that setting again, so changing one setting never drops another.
    unreadable: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @property
    def paced(self) -> bool:
        return bool(self.pacing.reply or self.pacing.prompt)

    def holiday_texts(self) -> list[str]:
        return [format_holiday(holiday) for holiday in self.holidays]

    def with_holiday(self, holiday: Holiday) -> Settings:
        return self.set(holidays=tuple(sorted({*self.holidays, holiday})))

    def set(self, **fields: Any) -> Settings:
        """These settings with `fields` changed; a changed setting's unreadable value is gone."""
        keys = {KEYS.get(name, name) for name in fields}
        kept = tuple((key, value) for key, value in self.unreadable if key not in keys)
        problems = tuple(p for p in self.problems if not any(f"stored {k} " in p for k in keys))
        return replace(self, **fields, unreadable=kept, problems=problems)


# Settings fields whose JSON key differs from the field's name.
KEYS = {"remind_before": "remind_before_minutes"}


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    return {
        "kind": schedule.kind,
        "timezone": schedule.timezone,
        "hour": schedule.hour,
        "minute": schedule.minute,
        "days": list(schedule.days),
        "every_days": schedule.every_days,
        "start": schedule.start.isoformat() if schedule.start else None,
        "cron": schedule.cron,
    }


def schedule_from_dict(data: dict[str, Any]) -> Schedule:
    """Rebuild a schedule; raises ValueError (or TypeError/KeyError) when it does not read."""
    schedule = Schedule(
        kind=data["kind"],
        timezone=data["timezone"],
        hour=int(data["hour"]),
        minute=int(data["minute"]),
        days=tuple(int(day) for day in data.get("days", ())),
        every_days=int(data.get("every_days", 1)),
        start=date.fromisoformat(data["start"]) if data.get("start") else None,
        cron=data.get("cron", ""),
    )
    if schedule.kind not in ("weekly", "every", "once", "cron"):
        raise ValueError(f"unknown kind {schedule.kind!r}")
    schedule.trigger()  # validates the zone, the times and the cron fields
    return schedule


def to_json(settings: Settings) -> str:
    data = {
        "schedule": schedule_to_dict(settings.schedule) if settings.schedule else None,
        "pacing": {
            "reply_minutes": _minutes(settings.pacing.reply),
            "prompt_minutes": _minutes(settings.pacing.prompt),
        },
        "holidays": [[start.isoformat(), end.isoformat()] for start, end in settings.holidays],
        "remind_before_minutes": (
            None if settings.remind_before is None else _minutes(settings.remind_before)
        ),
        "schedule_chosen": settings.schedule_chosen,
        "language": settings.language,
    }
    data.update(settings.unreadable)
    return json.dumps(data, sort_keys=True)


@lru_cache(maxsize=16384)
def from_json(text: str | None) -> Settings:
    """Settings from their stored JSON; what does not read goes to `problems`, never raises.

    Remembered per text (Settings are immutable): start-up loads each circle several times."""
    try:
        data = json.loads(text or "{}")
    except ValueError as error:
        return Settings(problems=(f"settings are not JSON ({error})",))
    if not isinstance(data, dict):
        return Settings(problems=("settings are not a JSON object",))
    problems: list[str] = []
    unreadable: list[tuple[str, Any]] = []

    def read(name: str, convert: Any, default: Any) -> Any:
        value = data.get(name)
        if value is None:
            return default
        try:
            return convert(value)
        except (ValueError, TypeError, KeyError, ScheduleError) as error:
            problems.append(f"stored {name} {json.dumps(value)} does not read ({error})")
            unreadable.append((name, value))
            return default

    return Settings(
        schedule=read("schedule", schedule_from_dict, None),
        pacing=read("pacing", _pacing, Pacing()),
        holidays=read("holidays", _holidays, ()),
        remind_before=read("remind_before_minutes", _reminder, None),
        language=read("language", _language, None),
        schedule_chosen=bool(data.get("schedule_chosen", False)),
        problems=tuple(problems),
        unreadable=tuple(unreadable),
    )


def _pacing(data: dict[str, Any]) -> Pacing:
    reply = timedelta(minutes=int(data["reply_minutes"]))
    prompt = timedelta(minutes=int(data["prompt_minutes"]))
    if reply < timedelta(0) or prompt < reply:
        raise ValueError("the prompt must not come before the reply")
    return Pacing(reply=reply, prompt=prompt)


def _holidays(items: list[list[str]]) -> tuple[Holiday, ...]:
    holidays = []
    for start, end in items:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        if last < first:
            raise ValueError(f"{start}..{end} ends before it starts")
        holidays.append((first, last))
    return tuple(sorted(holidays))


def _language(code: str) -> str:
    if code not in LANGUAGES:
        raise ValueError(f"no catalog for {code!r}")
    return code


def _reminder(minutes: int) -> timedelta:
    if int(minutes) <= 0:
        raise ValueError("must be positive")
    return timedelta(minutes=int(minutes))
