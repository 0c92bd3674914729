"""What organizers read about the timetable: /schedule, /pace, /holiday, /remind. HTML."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape

from bot.text import _
from bot.text.dates import duration, when

EXAMPLE = "<code>/schedule tue,thu 19:00</code>"


def next_sessions(has_schedule: bool, runs: list[datetime], timezone: str, state: str) -> str:
    """The next three real sessions, or what to do when there are none."""
    if not has_schedule:
        return _("No schedule yet: set one with {example}.").format(example=EXAMPLE)
    if not runs:
        return _("No sessions ahead: the schedule has no further dates.")
    lines = [_("Next sessions ({zone}):").format(zone=escape(timezone))]
    lines += [f"• {when(run)}" for run in runs]
    if state == "paused":
        lines.append(_("The circle is paused: nothing is posted until /resume."))
    elif state == "finished":
        lines.append(_("The circle has finished: /restart begins a new run."))
    elif state == "stopped":
        lines.append(_("The circle has stopped: /restart begins a new run."))
    return "\n".join(lines)


def meets(description: str) -> str:
    return _("🗓 The circle meets {schedule}.").format(schedule=escape(description))


def no_schedule() -> str:
    return _("🗓 No schedule.")


def cleared() -> str:
    return _("🗓 Schedule cleared: post sessions with /next.")


def pacing_line(description: str) -> str:
    return _("Pacing: {pacing}.").format(pacing=escape(description))


def holidays_line(holidays: list[str]) -> str:
    return _("Holidays: {list}.").format(list=escape(", ".join(holidays)))


def reminder_line(before: timedelta) -> str:
    return _("Reminder: {before} before each session.").format(before=duration(before))


def problem_line(problem: str) -> str:
    return _("⚠️ A setting could not be read: {problem}. Set it again.").format(
        problem=escape(problem)
    )


def pace_shown(description: str) -> str:
    return _(
        "⏱ Pacing: {pacing}. Space the parts with <code>/pace reply +10m prompt +20m</code> or "
        "<code>/pace reply +2d prompt +3d</code>; <code>/pace off</code> posts them together."
    ).format(pacing=escape(description))


def pace_set(description: str) -> str:
    return _("⏱ Pacing: {pacing}.").format(pacing=escape(description))


def pace_gap_warning(gap: timedelta) -> str:
    return _(
        "⚠️ Sessions are as little as {gap} apart: when the next session comes before the "
        "prompt, it posts the rest of the point instead of the next one."
    ).format(gap=duration(gap))


def holidays_shown(holidays: list[str]) -> str:
    listed = escape(", ".join(holidays)) if holidays else _("none")
    return _(
        "🏖 Holidays: {list}. Add one with <code>/holiday 2026-12-21..2027-01-04</code>;"
        " <code>/holiday off</code> clears them."
    ).format(list=listed)


def holidays_cleared() -> str:
    return _("🏖 Holidays cleared.")


def holiday_added(start: date, end: date) -> str:
    if start == end:
        return _("🏖 No session on {day}.").format(day=start)
    return _("🏖 No sessions from {start} to {end} (inclusive).").format(start=start, end=end)


def too_many_holidays(limit: int) -> str:
    return _("A circle keeps at most {limit} holidays: clear some with /holiday off.").format(
        limit=limit
    )


def no_reminder() -> str:
    return _("⏰ No reminder. <code>/remind 2h</code> posts one 2 hours before each session.")


def reminder_shown(before: timedelta) -> str:
    return _(
        "⏰ Reminder: {before} before each session. <code>/remind off</code> stops it."
    ).format(before=duration(before))


def reminder_off() -> str:
    return _("⏰ Reminder off.")


def reminder_set(before: timedelta, first: datetime | None, has_schedule: bool) -> str:
    text = _(
        "⏰ I will post one reminder {before} before each session, with how many have answered."
    ).format(before=duration(before))
    if first is not None:
        text += _(" The next: {when}.").format(when=when(first))
    elif not has_schedule:
        text += _(" There is no schedule yet: {example}.").format(example=EXAMPLE)
    return text


def reminder_gap_warning(gap: timedelta) -> str:
    return _(
        "⚠️ Sessions are as little as {gap} apart: such a reminder comes before the session in "
        "between, and counts down to that one."
    ).format(gap=duration(gap))
