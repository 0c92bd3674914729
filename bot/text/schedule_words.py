"""A schedule and a pacing restated in words ("The circle meets Tuesdays and Thursdays at
19:00"), for `Schedule.describe()` and `Pacing.describe()`. Plain text.

Each language words the weekdays its own way: "dienstags und donnerstags", "по вторникам и
четвергам", "每周二和周四"; the list is joined by Babel (bot/text/dates.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.text import _, ngettext
from bot.text.dates import day, duration, joined

_ALL, _WORKDAYS, _WEEKEND = tuple(range(7)), (0, 1, 2, 3, 4), (5, 6)


def _weekdays_plural() -> tuple[str, ...]:
    # As in "meets Tuesdays at 19:00": German "dienstags", Russian "вторникам" (after "по").
    return (
        _("Mondays"), _("Tuesdays"), _("Wednesdays"), _("Thursdays"),
        _("Fridays"), _("Saturdays"), _("Sundays"),
    )  # fmt: skip


def weekly(days: Sequence[int], at: str) -> str:
    """`Tuesdays and Thursdays at 19:00`, `every day at 08:00`, `weekdays at 07:15`."""
    days = tuple(days)
    if days == _ALL:
        return _("every day at {time}").format(time=at)
    if days == _WORKDAYS:
        return _("weekdays at {time}").format(time=at)
    if days == _WEEKEND:
        return _("weekends at {time}").format(time=at)
    names = _weekdays_plural()
    return _("{days} at {time}").format(days=joined([names[d] for d in days]), time=at)


def every(count: int, at: str, start: date) -> str:
    return ngettext(
        "every {count} day at {time} from {start}",
        "every {count} days at {time} from {start}",
        count,
    ).format(count=count, time=at, start=start.isoformat())


def once(on: date, at: str) -> str:
    return _("once, on {day} at {time}").format(day=day(on), time=at)


def monthly(days: Sequence[int], at: str) -> str:
    """`on day 1 and 15 of each month at 19:00`."""
    listed = joined([str(number) for number in days])
    return ngettext(
        "on day {days} of each month at {time}",
        "on day {days} of each month at {time}",
        len(days),
    ).format(days=listed, time=at)


def cron(line: str) -> str:
    """A cron line too intricate to put in words."""
    return _("cron {line}").format(line=line)


def in_zone(words: str, zone: str) -> str:
    return _("{schedule} ({zone})").format(schedule=words, zone=zone)


def pacing(reply: timedelta, prompt: timedelta) -> str:
    if not reply and not prompt:
        return _("letter, reply and prompt all at once")
    return _("letter at the session time, reply +{reply}, prompt +{prompt}").format(
        reply=duration(reply), prompt=duration(prompt)
    )
