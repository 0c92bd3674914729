"""When a circle meets: the ``/schedule`` spec, its APScheduler 3 trigger and upcoming sessions.

Pure domain code: no ``telegram`` import and no clock reads (``now``/``after`` are passed in
as aware datetimes). Time-zone and DST handling is left to APScheduler's ``CronTrigger`` /
``DateTrigger``; the only correction is ``WallClockCronTrigger`` (bot/wallclock.py), which drops
the second firing of a wall-clock time that occurs twice when clocks fall back.

DST rules, as pinned by tests: a session at a time that does not exist (02:30 on a
spring-forward day in Europe/Berlin) fires once, at the first real instant after the gap
(03:30 local); a session at a time that occurs twice (02:30 on a fall-back day) fires once, at
the first occurrence (02:30 summer time). Every other session keeps its local wall-clock time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from bot.schedule.language import (
    WEEKDAYS,
    ScheduleError,
    cron_weekdays,
    format_time,
    is_date,
    known_timezone,
    looks_like_time,
    looks_like_timezone,
    parse_date,
    parse_time,
    parse_weekdays,
    resolve_timezone,
    zone,
)
from bot.schedule.wallclock import WallClockCronTrigger
from bot.text import schedule_errors as errors
from bot.text import schedule_words as words

MIN_GAP = timedelta(hours=1)  # cron lines may not fire more often than this
# Any fixed moment will do for checking a spec's shape (check_schedule): no clock is read.
_CHECK_FROM = datetime(2000, 1, 3, tzinfo=UTC)
_ALL_DAYS = tuple(range(7))
_GROUP_SPECS = {_ALL_DAYS: "daily", (0, 1, 2, 3, 4): "weekdays", (5, 6): "weekends"}


@dataclass(frozen=True)
class Schedule:
    """A parsed ``/schedule``. ``spec`` is canonical: ``load_schedule(s.spec) == s``."""

    kind: str  # "weekly" (incl. daily) | "every" (every N days) | "once" | "cron"
    timezone: str
    hour: int = 0
    minute: int = 0
    days: tuple[int, ...] = ()  # weekly: Monday = 0
    every_days: int = 1  # every: N
    start: date | None = None  # every: anchor date; once: the date
    cron: str = ""  # cron: the five crontab fields (crontab weekday numbers, 0 = Sunday)

    @property
    def spec(self) -> str:
        at = format_time(self.hour, self.minute)
        if self.kind == "weekly":
            head = _GROUP_SPECS.get(self.days) or ",".join(WEEKDAYS[d] for d in self.days)
            return f"{head} {at} {self.timezone}"
        if self.kind == "every":
            return f"every {self.every_days} days {at} from {self.start} {self.timezone}"
        if self.kind == "once":
            return f"{self.start} {at} {self.timezone}"
        return f"{self.cron} {self.timezone}"

    def describe(self) -> str:
        """In words, in the current language (bot/text/schedule_words.py)."""
        at = format_time(self.hour, self.minute)
        if self.kind == "weekly":
            said = words.weekly(self.days, at)
        elif self.kind == "every":
            assert self.start is not None
            said = words.every(self.every_days, at, self.start)
        elif self.kind == "once":
            assert self.start is not None
            said = words.once(self.start, at)
        else:
            said = _cron_words(self.cron) or words.cron(self.cron)
        return words.in_zone(said, self.timezone)

    def trigger(self) -> BaseTrigger:
        """The APScheduler 3 trigger (``WallClockCronTrigger`` or ``DateTrigger``), built once
        per schedule: triggers keep no state between calls, and building a cron trigger is
        most of what loading a circle used to cost (start-up loads every circle)."""
        return _trigger(self)

    def _new_trigger(self) -> BaseTrigger:
        tz = zone(self.timezone)
        if self.kind == "once":
            assert self.start is not None
            run = datetime.combine(self.start, time(self.hour, self.minute))
            return DateTrigger(run_date=run, timezone=tz)
        if self.kind == "cron":
            m, h, dom, mon, dow = self.cron.split()
            return WallClockCronTrigger(
                minute=m, hour=h, day=dom, month=mon, day_of_week=cron_weekdays(dow), timezone=tz
            )
        dow = None if self.days in ((), _ALL_DAYS) else ",".join(WEEKDAYS[d] for d in self.days)
        return WallClockCronTrigger(
            day_of_week=dow,
            hour=self.hour,
            minute=self.minute,
            timezone=tz,
            every_days=self.every_days,
            anchor=self.start if self.kind == "every" else None,
        )


@lru_cache(maxsize=4096)
def _trigger(schedule: Schedule) -> BaseTrigger:
    return schedule._new_trigger()


def _cron_words(cron: str) -> str | None:
    """A simple cron line in words (``Tuesdays at 19:00``, ``every day at 08:00``, ``on day 1
    and 15 of each month at 19:00``); None for anything else (ranges, steps, lists of times).
    """
    minute, hour, dom, month, dow = cron.split()
    if not (minute.isdigit() and hour.isdigit()) or month != "*":
        return None
    at = format_time(int(hour), int(minute))
    any_dom, any_dow = dom in ("*", "?"), dow in ("*", "?")
    if any_dom and any_dow:
        return words.weekly(_ALL_DAYS, at)
    if any_dom and not any(mark in dow for mark in "*-/"):
        days = tuple(sorted(WEEKDAYS.index(name) for name in cron_weekdays(dow).split(",")))
        return words.weekly(days, at)
    if any_dow and all(item.isdigit() for item in dom.split(",")):
        return words.monthly(sorted({int(item) for item in dom.split(",")}), at)
    return None


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")


def next_runs(
    schedule: Schedule,
    after: datetime,
    count: int = 3,
    holidays: Sequence[tuple[date, date]] = (),
) -> list[datetime]:
    """The next ``count`` sessions strictly after ``after``, skipping holiday dates.

    Returned in the schedule's time zone, normalised (a time inside a spring-forward gap comes
    back as the real instant, e.g. 03:30+02:00). Gives up after 5000 candidates.
    """
    _require_aware(after)
    tz, trigger = zone(schedule.timezone), schedule.trigger()
    limit = after.astimezone(UTC)
    runs: list[datetime] = []
    fire = trigger.get_next_fire_time(None, after)
    for _ in range(5000):
        if fire is None or len(runs) >= count:
            break
        local = fire.astimezone(UTC).astimezone(tz)  # same-tz astimezone() is a no-op
        off = any(start <= local.date() <= end for start, end in holidays)
        if local.astimezone(UTC) > limit and not off:
            runs.append(local)
        fire = trigger.get_next_fire_time(fire, fire)
    return runs


def parse_schedule(spec: str, default_tz: str, now: datetime) -> Schedule | None:
    """Parse a ``/schedule`` argument; None means ``off``. Raises ScheduleError (one line).

    ``default_tz`` applies unless the spec ends with an IANA zone. ``now`` anchors
    ``every N days`` (first occurrence on/after now) and refuses past one-offs and cron lines
    that never fire or fire more than once an hour.
    """
    _require_aware(now)
    schedule = _parse(spec, default_tz, now)
    if schedule is None:
        return None
    if schedule.kind == "once":
        trigger = schedule.trigger()
        assert isinstance(trigger, DateTrigger)
        if trigger.run_date.timestamp() <= now.timestamp():
            when = f"{schedule.start} {format_time(schedule.hour, schedule.minute)}"
            raise ScheduleError(errors.has_passed(when, schedule.timezone))
    if schedule.kind == "cron":
        _check_cron(schedule, now)
    return schedule


def check_schedule(spec: str, default_tz: str) -> None:
    """Check a spec's syntax as ``parse_schedule`` would, without a clock (config.toml).

    A one-off whose date has passed is accepted here: the config stays valid after it, and
    ``apply_default_schedule`` ignores it. Raises ScheduleError.
    """
    schedule = _parse(spec, default_tz, _CHECK_FROM)
    if schedule is not None and schedule.kind == "cron":
        _check_cron(schedule, _CHECK_FROM)


def _check_cron(schedule: Schedule, now: datetime) -> None:
    runs = next_runs(schedule, now, count=6)
    if not runs:
        raise ScheduleError(errors.cron_never_fires(schedule.cron))
    if any(b - a < MIN_GAP for a, b in pairwise(runs)):
        raise ScheduleError(errors.cron_too_often(schedule.cron))


def load_schedule(spec: str) -> Schedule | None:
    """Rebuild a stored canonical ``Schedule.spec`` (no "has passed" check: it may be old)."""
    return _parse(spec, "UTC", None)


def _parse(spec: str, default_tz: str, now: datetime | None) -> Schedule | None:
    tokens = re.sub(r"\s*([,-])\s*", r"\1", spec.strip()).split()
    if not tokens:
        raise ScheduleError(errors.no_schedule_given())
    if [t.lower() for t in tokens] == ["off"]:
        return None
    generic = ScheduleError(errors.not_a_schedule(" ".join(tokens)))
    last = tokens[-1]
    tz = known_timezone(last) if len(tokens) > 1 else None
    if tz:
        tokens.pop()
    elif looks_like_timezone(last) or (
        len(tokens) > 1 and re.fullmatch(r"\d{1,2}:\d{2}", tokens[-2]) and last.isalpha()
    ):
        resolve_timezone(last)  # raises, naming it
    else:
        tz = resolve_timezone(default_tz)
    words = [t.lower() for t in tokens if t.lower() != "at"]
    if not words:
        raise generic
    head = words[0]
    if head == "every":
        return _parse_every(words[1:], tz, now, generic)
    if head == "daily" and len(words) == 2:
        hour, minute = parse_time(words[1])
        return Schedule("weekly", tz, hour, minute, days=_ALL_DAYS)
    if is_date(head) and len(words) == 2:
        hour, minute = parse_time(words[1])
        return Schedule("once", tz, hour, minute, start=parse_date(head))
    if head == "cron" or len(words) == 5:
        return _parse_cron(words[1:] if head == "cron" else words, tz)
    if len(words) != 2:
        raise generic
    try:
        days = parse_weekdays(head)
    except ScheduleError:
        if looks_like_time(words[1]):
            raise
        raise generic from None
    hour, minute = parse_time(words[1])
    return Schedule("weekly", tz, hour, minute, days=days)


def _parse_every(
    words: list[str], tz: str, now: datetime | None, generic: ScheduleError
) -> Schedule:
    anchor = None
    if "from" in words:
        i = words.index("from")
        if i + 1 >= len(words):
            raise generic
        anchor = parse_date(words[i + 1])
        del words[i : i + 2]
    if words[:1] == ["day"]:
        n, words = 1, words[1:]
    elif len(words) >= 2 and words[0].isdigit() and words[1] in ("day", "days"):
        n, words = int(words[0]), words[2:]
    else:
        raise generic
    if not 1 <= n <= 30:
        raise ScheduleError(errors.every_out_of_range(n))
    if len(words) != 1:
        raise generic
    hour, minute = parse_time(words[0])
    if n == 1:
        return Schedule("weekly", tz, hour, minute, days=_ALL_DAYS)
    if anchor is None:
        if now is None:
            raise ScheduleError(errors.every_needs_start(n))
        daily = WallClockCronTrigger(hour=hour, minute=minute, timezone=zone(tz))
        anchor = daily.get_next_fire_time(None, now).date()
    return Schedule("every", tz, hour, minute, every_days=n, start=anchor)


def _parse_cron(fields: list[str], tz: str) -> Schedule:
    line = " ".join(fields)
    try:
        if len(fields) != 5:
            raise ValueError(f"{len(fields)} fields instead of 5")
        schedule = Schedule("cron", tz, cron=line)
        schedule.trigger()  # validates every field
    except (ValueError, TypeError) as exc:
        raise ScheduleError(errors.not_a_cron_line(line, str(exc))) from None
    if fields[2] not in ("*", "?") and fields[4] not in ("*", "?"):
        raise ScheduleError(errors.cron_day_and_weekday())
    return schedule
