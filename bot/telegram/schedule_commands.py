"""Organizer commands for the timetable: /schedule, /pace, /holiday, /remind.

Each parses its argument with bot/schedule.py (a bad one gets ScheduleError's one line),
stores the result through the engine, re-arms the circle's jobs and answers with what will
happen: the next three sessions in the circle's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from itertools import pairwise

from telegram import Message, Update

from bot.circle import CircleInfo, Refusal
from bot.circle_types import COMMANDS, PAUSED
from bot.schedule import (
    ScheduleError,
    format_duration,
    parse_holiday,
    parse_pace,
    parse_reminder,
    parse_schedule,
)
from bot.telegram.context import Context, answer, now, organizers_only, service
from bot.telegram.timetable import timetable
from bot.timekeeping import earlier, pacing_of, schedule_of, upcoming, when

NO_CIRCLE = f"There is no circle in this chat: start one with {COMMANDS['start']} [exchange]."
EXAMPLE = "<code>/schedule tue,thu 19:00</code>"


def _actor(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None


def _spec(context: Context) -> str:
    return " ".join(context.args or []).strip()


async def _circle(message: Message, context: Context) -> CircleInfo | None:
    circle = service(context).circle(message.chat_id)
    if circle is None:
        await answer(message, escape(NO_CIRCLE))
    return circle


async def _stored(message: Message, result: CircleInfo | Refusal, context: Context) -> bool:
    """Answer a refusal; on success re-arm the circle's jobs."""
    if isinstance(result, Refusal):
        await answer(message, escape(result.message))
        return False
    await timetable(context.application).arm(message.chat_id)
    return True


def next_sessions(circle: CircleInfo, at: datetime) -> str:
    """The next three real sessions, or what to do when there are none."""
    if schedule_of(circle) is None:
        return f"No schedule yet: set one with {EXAMPLE}."
    runs = upcoming(circle, at)
    if not runs:
        return "No sessions ahead: the schedule has no further dates."
    lines = [f"Next sessions ({escape(circle.timezone)}):"]
    lines += [f"• {when(run)}" for run in runs]
    if circle.state == PAUSED:
        lines.append("The circle is paused: nothing is posted until /resume.")
    elif not circle.active:
        lines.append(f"The circle has {circle.state}: {COMMANDS['restart']} begins a new run.")
    return "\n".join(lines)


def describe_settings(circle: CircleInfo) -> list[str]:
    lines = []
    if circle.pacing:
        lines.append(f"Pacing: {escape(pacing_of(circle).describe())}.")
    if circle.holidays:
        lines.append("Holidays: " + escape(", ".join(circle.holidays)) + ".")
    if circle.remind_before_minutes is not None:
        before = format_duration(timedelta(minutes=circle.remind_before_minutes))
        lines.append(f"Reminder: {before} before each session.")
    return lines


@organizers_only
async def schedule(update: Update, context: Context) -> None:
    """Set (/schedule tue,thu 19:00), show (/schedule) or clear (/schedule off) the timetable."""
    message = update.effective_message
    circle = await _circle(message, context)
    if circle is None:
        return
    spec, at = _spec(context), now(context)
    if not spec:
        parsed = schedule_of(circle)
        head = f"🗓 The circle meets {escape(parsed.describe())}." if parsed else "🗓 No schedule."
        lines = [head, next_sessions(circle, at), *describe_settings(circle)]
        await answer(message, "\n".join(lines))
        return
    try:
        parsed = parse_schedule(spec, circle.timezone, at)
    except ScheduleError as error:
        await answer(message, escape(str(error)))
        return
    result = service(context).set_timetable(message.chat_id, parsed, at, _actor(message))
    if not await _stored(message, result, context):
        return
    assert isinstance(result, CircleInfo)
    if parsed is None:
        await answer(message, "🗓 Schedule cleared: post sessions with /next.")
        return
    await answer(
        message,
        f"🗓 The circle meets {escape(parsed.describe())}.\n{next_sessions(result, at)}",
    )


@organizers_only
async def pace(update: Update, context: Context) -> None:
    """Space a session's parts: /pace reply +10m prompt +20m, /pace reply +2d prompt +3d, off."""
    message = update.effective_message
    circle = await _circle(message, context)
    if circle is None:
        return
    spec = _spec(context)
    if not spec:
        await answer(
            message,
            f"⏱ Pacing: {escape(pacing_of(circle).describe())}. Space the parts with "
            "<code>/pace reply +10m prompt +20m</code> or <code>/pace reply +2d prompt +3d</code>;"
            " <code>/pace off</code> posts them together.",
        )
        return
    try:
        pacing = parse_pace(spec)
    except ScheduleError as error:
        await answer(message, escape(str(error)))
        return
    stored = None if pacing.spec == "off" else pacing.spec
    result = service(context).set_pacing(message.chat_id, stored, now(context), _actor(message))
    if not await _stored(message, result, context):
        return
    lines = [f"⏱ Pacing: {escape(pacing.describe())}."]
    gap = smallest_gap(circle, now(context))
    if gap is not None and pacing.prompt >= gap:
        lines.append(
            f"⚠️ Sessions are as little as {format_duration(gap)} apart: when the next "
            "session comes before the prompt, it posts the rest of the point instead of the "
            "next one."
        )
    await answer(message, "\n".join(lines))


@organizers_only
async def holiday(update: Update, context: Context) -> None:
    """Skip sessions on dates: /holiday 2026-12-21..2027-01-04; /holiday off; /holiday lists."""
    message = update.effective_message
    circle = await _circle(message, context)
    if circle is None:
        return
    spec, at, chat_id = _spec(context), now(context), message.chat_id
    if not spec:
        listed = escape(", ".join(circle.holidays)) if circle.holidays else "none"
        await answer(
            message,
            f"🏖 Holidays: {listed}. Add one with <code>/holiday 2026-12-21..2027-01-04</code>;"
            f" <code>/holiday off</code> clears them.\n{next_sessions(circle, at)}",
        )
        return
    if spec.lower() == "off":
        result = service(context).clear_holidays(chat_id, at, _actor(message))
        head = "🏖 Holidays cleared."
    else:
        try:
            start, end = parse_holiday(spec)
        except ScheduleError as error:
            await answer(message, escape(str(error)))
            return
        result = service(context).add_holiday(chat_id, (start, end), at, _actor(message))
        head = (
            f"🏖 No session on {start}."
            if start == end
            else f"🏖 No sessions from {start} to {end} (inclusive)."
        )
    if not await _stored(message, result, context):
        return
    assert isinstance(result, CircleInfo)
    await answer(message, f"{head}\n{next_sessions(result, at)}")


@organizers_only
async def remind(update: Update, context: Context) -> None:
    """Post one reminder before each session: /remind 2h; /remind off; /remind shows it."""
    message = update.effective_message
    circle = await _circle(message, context)
    if circle is None:
        return
    spec, at = _spec(context), now(context)
    if not spec:
        if circle.remind_before_minutes is None:
            text = "⏰ No reminder. <code>/remind 2h</code> posts one 2 hours before each session."
        else:
            before = format_duration(timedelta(minutes=circle.remind_before_minutes))
            text = f"⏰ Reminder: {before} before each session. <code>/remind off</code> stops it."
        await answer(message, text)
        return
    try:
        before = parse_reminder(spec)
    except ScheduleError as error:
        await answer(message, escape(str(error)))
        return
    minutes = None if before is None else int(before.total_seconds() // 60)
    result = service(context).set_reminder(message.chat_id, minutes, at, _actor(message))
    if not await _stored(message, result, context):
        return
    assert isinstance(result, CircleInfo)
    if before is None:
        await answer(message, "⏰ Reminder off.")
        return
    text = (
        f"⏰ I will post one reminder {format_duration(before)} before each session, with how "
        "many have answered."
    )
    runs = upcoming(result, at + before, count=1)
    if runs:
        text += f" The next: {when(earlier(runs[0], before))}."
    elif schedule_of(result) is None:
        text += f" There is no schedule yet: {EXAMPLE}."
    gap = smallest_gap(result, at)
    if gap is not None and before >= gap:
        text += (
            f"\n⚠️ Sessions are as little as {format_duration(gap)} apart: such a reminder comes "
            "before the session in between, and counts down to that one."
        )
    await answer(message, text)


def smallest_gap(circle: CircleInfo, at: datetime) -> timedelta | None:
    """The shortest time between two of the next sessions (None: fewer than two)."""
    runs = upcoming(circle, at, count=6)
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(runs)]
    return min(gaps) if gaps else None
