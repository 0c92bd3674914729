"""Organizer commands for the timetable: /schedule, /pace, /holiday, /remind.

Each parses its argument with the schedule language (a bad one gets ScheduleError's one
line), stores the typed value through the engine, re-arms the circle's jobs and answers with
what will happen: the next three sessions in the circle's time zone.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import Update

from bot.model import Circle, Refusal, load_circle
from bot.schedule.language import ScheduleError, parse_holiday, parse_pace, parse_reminder
from bot.schedule.spec import parse_schedule
from bot.schedule.timetable import earlier, smallest_gap
from bot.telegram.console import Target, organizers_only
from bot.telegram.context import CircleContext
from bot.telegram.timetable import timetable
from bot.text import circle as circle_text
from bot.text import schedule as text

MAX_HOLIDAYS = 50  # keeps /schedule's and /holiday's replies far under Telegram's 4096


def _spec(context: CircleContext) -> str:
    return " ".join(context.args or []).strip()


async def _circle(target: Target, context: CircleContext) -> Circle | None:
    circle = load_circle(context.bot_data.store, target.chat_id)
    if circle is None:
        await target.reply(escape(circle_text.no_circle()))
    return circle


async def _stored(target: Target, result: Circle | Refusal, context: CircleContext) -> bool:
    """Answer a refusal; on success re-arm the circle's jobs."""
    if isinstance(result, Refusal):
        await target.reply(escape(result.message))
        return False
    await timetable(context.application).arm(target.chat_id)
    return True


def next_sessions(context: CircleContext, circle: Circle, at: datetime) -> str:
    runs = timetable(context.application).upcoming(circle, at)
    has_schedule = circle.settings.schedule is not None
    return text.next_sessions(has_schedule, runs, circle.timezone, circle.state)


def describe_settings(circle: Circle) -> list[str]:
    settings, lines = circle.settings, []
    if settings.paced:
        lines.append(text.pacing_line(settings.pacing.describe()))
    if settings.holidays:
        lines.append(text.holidays_line(settings.holiday_texts()))
    if settings.remind_before is not None:
        lines.append(text.reminder_line(settings.remind_before))
    lines += [text.problem_line(problem) for problem in settings.problems]
    return lines


@organizers_only
async def schedule(update: Update, context: CircleContext) -> None:
    """Set (/schedule tue,thu 19:00), show (/schedule) or clear (/schedule off) the timetable."""
    target = context.target
    circle = await _circle(target, context)
    if circle is None:
        return
    spec, at = _spec(context), context.now()
    if not spec:
        parsed = circle.settings.schedule
        head = text.meets(parsed.describe()) if parsed else text.no_schedule()
        lines = [head, next_sessions(context, circle, at), *describe_settings(circle)]
        await target.reply("\n".join(lines))
        return
    try:
        parsed = parse_schedule(spec, circle.timezone, at)
    except ScheduleError as error:
        await target.reply(escape(str(error)))
        return
    result = context.circles.set_schedule(target.chat_id, parsed, at, target.user_id)
    if not await _stored(target, result, context):
        return
    assert isinstance(result, Circle)
    if parsed is None:
        await target.reply(text.cleared())
        return
    await target.reply(text.meets(parsed.describe()) + "\n" + next_sessions(context, result, at))


@organizers_only
async def pace(update: Update, context: CircleContext) -> None:
    """Space a session's parts: /pace reply +10m prompt +20m, /pace reply +2d prompt +3d, off."""
    target = context.target
    circle = await _circle(target, context)
    if circle is None:
        return
    spec = _spec(context)
    if not spec:
        await target.reply(text.pace_shown(circle.settings.pacing.describe()))
        return
    try:
        pacing = parse_pace(spec)
    except ScheduleError as error:
        await target.reply(escape(str(error)))
        return
    result = context.circles.set_pacing(target.chat_id, pacing, context.now(), target.user_id)
    if not await _stored(target, result, context):
        return
    lines = [text.pace_set(pacing.describe())]
    gap = smallest_gap(timetable(context.application).upcoming(circle, context.now(), count=6))
    if gap is not None and pacing.prompt >= gap:
        lines.append(text.pace_gap_warning(gap))
    await target.reply("\n".join(lines))


@organizers_only
async def holiday(update: Update, context: CircleContext) -> None:
    """Skip sessions on dates: /holiday 2026-12-21..2027-01-04; /holiday off; /holiday lists."""
    target = context.target
    circle = await _circle(target, context)
    if circle is None:
        return
    spec, at, chat_id = _spec(context), context.now(), target.chat_id
    if not spec:
        shown = text.holidays_shown(circle.settings.holiday_texts())
        await target.reply(shown + "\n" + next_sessions(context, circle, at))
        return
    if spec.lower() == "off":
        result = context.circles.clear_holidays(chat_id, at, target.user_id)
        head = text.holidays_cleared()
    else:
        try:
            start, end = parse_holiday(spec)
        except ScheduleError as error:
            await target.reply(escape(str(error)))
            return
        if len(circle.settings.holidays) >= MAX_HOLIDAYS:
            await target.reply(text.too_many_holidays(MAX_HOLIDAYS))
            return
        result = context.circles.add_holiday(chat_id, (start, end), at, target.user_id)
        head = text.holiday_added(start, end)
    if not await _stored(target, result, context):
        return
    assert isinstance(result, Circle)
    await target.reply(head + "\n" + next_sessions(context, result, at))


@organizers_only
async def remind(update: Update, context: CircleContext) -> None:
    """Post one reminder before each session: /remind 2h; /remind off; /remind shows it."""
    target = context.target
    circle = await _circle(target, context)
    if circle is None:
        return
    spec, at = _spec(context), context.now()
    if not spec:
        before = circle.settings.remind_before
        await target.reply(text.no_reminder() if before is None else text.reminder_shown(before))
        return
    try:
        before = parse_reminder(spec)
    except ScheduleError as error:
        await target.reply(escape(str(error)))
        return
    result = context.circles.set_reminder(target.chat_id, before, at, target.user_id)
    if not await _stored(target, result, context):
        return
    assert isinstance(result, Circle)
    if before is None:
        await target.reply(text.reminder_off())
        return
    table = timetable(context.application)
    runs = table.upcoming(result, at + before, count=1)
    first = earlier(runs[0], before) if runs else None
    lines = [text.reminder_set(before, first, result.settings.schedule is not None)]
    gap = smallest_gap(table.upcoming(result, at, count=6))
    if gap is not None and before >= gap:
        lines.append(text.reminder_gap_warning(gap))
    await target.reply("\n".join(lines))
