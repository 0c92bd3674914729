"""Dates, times and durations as people read them, through Babel in the current language: the
one helper every message uses. Times are shown in the moment's own zone (the circle's), on the
24-hour clock the schedule language uses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.dates import format_time as babel_time
from babel.lists import format_list
from babel.units import format_unit

from bot.text import current

# English keeps the bot's own compact form (`Tue 1 Dec 2026`); other languages use CLDR's
# pattern for the same fields (`Di., 1. Dez. 2026`, `вт, 1 дек. 2026 г.`, `2026年12月1日周二`).
_EN_DAY, _EN_SHORT_DAY = "EEE d MMM y", "EEE d MMM"


def locale() -> Locale:
    return Locale.parse(current())


def day(d: date) -> str:
    """`Tue 1 Dec 2026`."""
    if current() == "en":
        return format_date(d, _EN_DAY, locale="en")
    return format_skeleton("yMMMEd", d, locale=locale())


def short_day(moment: date) -> str:
    """`Thu 3 Dec`."""
    if current() == "en":
        return format_date(moment, _EN_SHORT_DAY, locale="en")
    return format_skeleton("MMMEd", moment, locale=locale())


def clock(moment: datetime | time) -> str:
    """`19:00`: the wall-clock time of an aware moment in its own zone."""
    plain = moment.timetz().replace(tzinfo=None) if isinstance(moment, datetime) else moment
    return babel_time(plain, "HH:mm", locale=locale())


def when(moment: datetime) -> str:
    """`Thu 3 Dec 2026 19:00`, in the moment's own time zone."""
    return f"{day(moment.date())} {clock(moment)}"


def joined(words: Sequence[str]) -> str:
    """`Tuesdays and Thursdays`, `dienstags und donnerstags`, `周二和周四`."""
    # British English lists have no comma before "and", as the bot always wrote them.
    return format_list(list(words), locale="en_GB" if current() == "en" else locale())


def duration(delta: timedelta) -> str:
    """`2h`, `1d 2h`, `30m` in English; `2 Std.`, `2 ч`, `2小时` in the others."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = (("duration-day", days), ("duration-hour", hours), ("duration-minute", minutes))
    length = "narrow" if current() == "en" else "short"
    shown = [(unit, amount) for unit, amount in units if amount] or [("duration-minute", 0)]
    parts = [format_unit(amount, unit, length=length, locale=locale()) for unit, amount in shown]
    return ("" if current() == "zh_Hans" else " ").join(parts)
