"""Text-level parsing for the scheduling commands: times, weekdays, time zones,
durations, holidays and pacing.

Pure domain code: no ``telegram`` import and no clock reads. Every user-facing error is a
:class:`ScheduleError` whose message is one line with an example.

Pacing and DST: an offset's whole-day part is counted in calendar days on the local wall clock
(``reply +2d`` after a Monday 19:00 session is Wednesday 19:00 even across a DST change); the
remainder (hours, minutes) is an absolute duration (``+90m`` is always 90 real minutes). Because
offsets are stored as ``timedelta``, ``+48h`` is the same as ``+2d``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.text import schedule_errors as errors
from bot.text import schedule_words as words


class ScheduleError(ValueError):
    """A user-facing, one-line refusal of a /schedule, /holiday, /pace or /remind argument."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ALIASES = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_GROUPS = {"weekdays": (0, 1, 2, 3, 4), "weekends": (5, 6), "weekend": (5, 6)}
MAX_OFFSET = timedelta(days=30)

_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DURATION_RE = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def weekday_number(name: str) -> int | None:
    """``tue``/``tuesday``/``tuesdays``/``tues`` → 1; None if not a weekday."""
    name = name.lower()
    if name in _ALIASES:
        return _ALIASES[name]
    for i, full in enumerate(DAY_NAMES):
        if name in (WEEKDAYS[i], full.lower(), full.lower() + "s"):
            return i
    return None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """``tue,thu`` / ``mon-fri`` / ``fri-mon`` / ``weekdays`` → sorted weekday numbers (Mon=0)."""
    days: set[int] = set()
    for item in text.lower().split(","):
        if item in _GROUPS:
            days.update(_GROUPS[item])
            continue
        ends = item.split("-")
        nums = [weekday_number(end) for end in ends]
        for end, num in zip(ends, nums, strict=True):
            if num is None or len(ends) > 2:
                bad = end if num is None else item
                raise ScheduleError(errors.not_a_weekday(bad))
        first, last = nums[0], nums[-1]
        assert first is not None and last is not None
        days.update((first + k) % 7 for k in range((last - first) % 7 + 1))
    return tuple(sorted(days))


def parse_time(text: str) -> tuple[int, int]:
    """``19:00`` / ``7:15`` → (hour, minute)."""
    m = _TIME_RE.fullmatch(text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ScheduleError(errors.not_a_time(text))
    return int(m[1]), int(m[2])


def looks_like_time(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and not _DATE_RE.fullmatch(text)


def parse_date(text: str) -> date:
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ScheduleError(errors.not_a_date(text)) from None


def is_date(text: str) -> bool:
    return bool(_DATE_RE.fullmatch(text))


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def known_timezone(text: str) -> str | None:
    """Canonical IANA spelling of ``text`` (case-insensitive), or None."""
    return _zone_names().get(text.lower())


def looks_like_timezone(text: str) -> bool:
    return "/" in text and any(ch.isalpha() for ch in text) and "*" not in text


def resolve_timezone(text: str) -> str:
    name = known_timezone(text)
    if name is None:
        raise ScheduleError(errors.unknown_timezone(text))
    return name


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_time(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _cron_day(text: str, is_end: bool) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)
    num = weekday_number(text)
    if num is None:
        raise ValueError(f"bad weekday {text!r}")
    return 0 if num == 6 and not is_end else num + 1  # crontab: sun=0 (or 7), mon=1 … sat=6


def cron_weekdays(text: str) -> str:
    """Crontab day-of-week field (0 or 7 = Sunday) → APScheduler 3 names (which count 0 = Monday).

    Raises ValueError for anything that is not a crontab weekday field.
    """
    if text in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in text.split(","):
        rng, slash, step_text = item.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"bad step {item!r}")
        step = int(step_text) if slash else 1
        if rng == "*":
            first, last = 0, 6
        else:
            a, dash, b = rng.partition("-")
            first = _cron_day(a, is_end=False)
            last = _cron_day(b, is_end=True) if dash else (7 if slash else first)
        if last < first:
            raise ValueError(f"backwards range {item!r}")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(WEEKDAYS[(d - 1) % 7] for d in sorted(days, key=lambda d: (d - 1) % 7))


# -- durations -------------------------------------------------------------------------------


def _parse_offset(text: str) -> timedelta | None:
    m = _DURATION_RE.fullmatch(text.lower().lstrip("+"))
    if not text or not m or not any(m.groups()):
        return None
    d, h, mins = (int(g or 0) for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mins)


def format_duration(delta: timedelta) -> str:
    """timedelta(days=1, hours=2) → ``1d2h``; zero → ``0m``. Round-trips via parse_duration."""
    minutes = int(delta.total_seconds() // 60)
    d, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    out = "".join(f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m")) if n)
    return out or "0m"


def parse_duration(spec: str) -> timedelta:
    """``90m`` / ``2h`` / ``1d`` / ``1h30m`` → timedelta; positive, at most 30 days."""
    text = spec.strip().replace(" ", "")
    delta = _parse_offset(text)
    if delta is None:
        raise ScheduleError(errors.not_a_duration(spec.strip()))
    if not timedelta(0) < delta <= MAX_OFFSET:
        raise ScheduleError(errors.duration_out_of_range(text))
    return delta


def parse_reminder(spec: str) -> timedelta | None:
    """``/remind 2h`` → timedelta(hours=2) before each session; ``/remind off`` → None."""
    return None if spec.strip().lower() == "off" else parse_duration(spec)


# -- holidays --------------------------------------------------------------------------------


def parse_holiday(spec: str) -> tuple[date, date]:
    """``2026-12-21..2027-01-04`` or ``2026-12-24`` → inclusive (start, end)."""
    text = re.sub(r"\s*(?:\.\.|\bto\b)\s*", "..", spec.strip().lower())
    parts = text.split("..")
    if len(parts) > 2 or not all(is_date(p) for p in parts):
        raise ScheduleError(errors.not_a_holiday(spec.strip()))
    start, end = parse_date(parts[0]), parse_date(parts[-1])
    if end < start:
        raise ScheduleError(errors.holiday_backwards(str(start), str(end)))
    return start, end


def format_holiday(holiday: tuple[date, date]) -> str:
    start, end = holiday
    return str(start) if start == end else f"{start}..{end}"


# -- pacing ----------------------------------------------------------------------------------

PARTS = ("letter", "reply", "prompt")


@dataclass(frozen=True)
class Pacing:
    """When each part of a session goes out, as offsets from the session time."""

    reply: timedelta = field(default=timedelta(0))
    prompt: timedelta = field(default=timedelta(0))

    @property
    def offsets(self) -> dict[str, timedelta]:
        return {"letter": timedelta(0), "reply": self.reply, "prompt": self.prompt}

    @property
    def spec(self) -> str:
        if not self.reply and not self.prompt:
            return "off"
        return f"reply +{format_duration(self.reply)} prompt +{format_duration(self.prompt)}"

    def describe(self) -> str:
        """In words, in the current language (bot/text/schedule_words.py)."""
        return words.pacing(self.reply, self.prompt)

    def at(self, session: datetime, part: str, timezone: str) -> datetime:
        """When ``part`` goes out for a session at ``session`` (aware), in ``timezone``.

        Whole days move along the local calendar keeping the wall-clock time (a time that
        falls into a DST gap is pushed forward by the gap); hours and minutes are then added
        as absolute time.
        """
        offset = self.offsets[part]
        tz = zone(timezone)
        wall = session.astimezone(tz) + timedelta(days=offset.days)  # same tzinfo: wall clock
        rest = offset - timedelta(days=offset.days)
        return (wall.astimezone(UTC) + rest).astimezone(tz)


def parse_pace(spec: str) -> Pacing:
    """``reply +10m prompt +20m`` / ``reply +2d prompt +3d`` / ``off``."""
    tokens = spec.lower().split()
    if tokens == ["off"]:
        return Pacing()
    bad = ScheduleError(errors.not_a_pace(spec.strip()))
    offsets: dict[str, timedelta] = {}
    if not tokens or len(tokens) % 2:
        raise bad
    for part, text in zip(tokens[::2], tokens[1::2], strict=True):
        delta = _parse_offset(text)
        if part not in ("reply", "prompt") or part in offsets or delta is None:
            raise bad
        if delta > MAX_OFFSET:
            raise ScheduleError(errors.pace_too_late(part, text.lstrip("+")))
        offsets[part] = delta
    reply = offsets.get("reply", timedelta(0))
    prompt = offsets.get("prompt", reply)
    if prompt < reply:
        raise ScheduleError(
            errors.prompt_before_reply(format_duration(prompt), format_duration(reply))
        )
    return Pacing(reply=reply, prompt=prompt)
