"""The `remind:<chat_id>` job: one group message `/remind` before each session.

`⏰ Point 3 closes in 2h: 4 members have answered so far.` Armed by the timetable
(bot/telegram/timetable.py) for the first session whose reminder time is still ahead, and
re-armed for the next one each time it fires. Like every timetable job, it decides with the
injected clock: fired early, it waits; fired after the session, it says nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.date import DateTrigger
from telegram.ext import ContextTypes

from bot.circle import CircleInfo, Refusal
from bot.circle_types import RUNNING
from bot.schedule import format_duration
from bot.timekeeping import TOLERANCE, earlier, upcoming

if TYPE_CHECKING:
    from bot.telegram.timetable import Timetable


def arm(timetable: Timetable, circle: CircleInfo, after: datetime) -> None:
    """Arm the reminder for the first session whose reminder time is after `after`."""
    name = f"remind:{circle.chat_id}"
    timetable.remove(name)
    if circle.remind_before_minutes is None:
        return
    before = timedelta(minutes=circle.remind_before_minutes)
    runs = upcoming(circle, after + before, count=1)
    if runs:
        slot = runs[0]
        at = earlier(slot, before)
        timetable.add(_remind_job, DateTrigger(run_date=at), name, circle.chat_id, slot)


async def on_reminder(timetable: Timetable, chat_id: int, slot: datetime) -> None:
    """Tell the group how many answered, once, before the session that closes the point."""
    service, now = timetable.service, timetable.now()
    circle = service.circle(chat_id)
    if circle is None or not circle.active or circle.remind_before_minutes is None:
        return
    before = timedelta(minutes=circle.remind_before_minutes)
    if now < earlier(slot, before + TOLERANCE):  # early by the clock: wait for the time
        arm(timetable, circle, now)
        return
    if now < slot and circle.state == RUNNING:
        status = service.status(chat_id, now)
        # The point out now closes at the next session: `slot`, unless the reminder is longer
        # than the gap between sessions (/remind warns about that), then the one in between.
        closes = next(iter(upcoming(circle, now, count=1)), slot)
        if not isinstance(status, Refusal) and status.point_posted:
            count = len(status.answered)
            so_far = (
                "nobody has answered yet"
                if count == 0
                else f"{count} member{' has' if count == 1 else 's have'} answered so far"
            )
            left = format_duration(_round_minutes(closes - now))
            await timetable.tell(
                chat_id,
                f"⏰ Point {status.point_number} closes in {left}: {so_far}. "
                "Reply to the point's messages to answer.",
            )
    arm(timetable, circle, max(now, earlier(slot, before)))


def _round_minutes(delta: timedelta) -> timedelta:
    return timedelta(minutes=max(1, round(delta.total_seconds() / 60)))


async def _remind_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    timetable = context.application.bot_data["timetable"]
    await on_reminder(timetable, context.job.chat_id, context.job.data)
