"""Dates and times as people read them: the one helper every message uses, so a translation
(or Babel's locale data) changes them in one place. Times are shown in the moment's own zone."""

from __future__ import annotations

from datetime import date, datetime

from bot.text import _


def _weekday(d: date) -> str:
    names = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    return names[d.weekday()]


def _month(d: date) -> str:
    names = (
        _("Jan"), _("Feb"), _("Mar"), _("Apr"), _("May"), _("Jun"),
        _("Jul"), _("Aug"), _("Sep"), _("Oct"), _("Nov"), _("Dec"),
    )  # fmt: skip
    return names[d.month - 1]


def day(d: date) -> str:
    """`Tue 1 Dec 2026`."""
    return _("{weekday} {day} {month} {year}").format(
        weekday=_weekday(d), day=d.day, month=_month(d), year=d.year
    )


def short_day(moment: date) -> str:
    """`Thu 3 Dec`."""
    return _("{weekday} {day} {month}").format(
        weekday=_weekday(moment), day=moment.day, month=_month(moment)
    )


def when(moment: datetime) -> str:
    """`Thu 3 Dec 2026 19:00`, in the moment's own time zone."""
    return f"{day(moment.date())} {moment:%H:%M}"
