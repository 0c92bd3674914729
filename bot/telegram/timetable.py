"""The timetable: the JobQueue's jobs for each circle, armed from what SQLite says.

SQLite holds the schedule, pacing, holidays, reminder and the bookkeeping of bot/timekeeping.py;
APScheduler (under python-telegram-bot's JobQueue) only holds what is armed now. Per circle:

- `session:<chat_id>`: the schedule's trigger. Runs the session, unless the circle is paused
  or the local date is a holiday (the slot is then recorded as dealt with).
- `pace:<chat_id>:<part>`: a date trigger for the reply or prompt of a paced session.
- `remind:<chat_id>`: a date trigger `/remind` before the next session (bot/telegram/reminders.py).

APScheduler decides when to call; every decision after that uses the injected clock
(`bot_data["clock"]`), so a job that fires early, late or twice does the right thing, and tests
fire jobs directly. At start-up every active circle is re-armed and downtime is dealt with:
the last missed session is posted late within `late_grace_minutes`, else the group is told and
the next slot waits. Never two sessions' points at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.circle import CircleInfo, CircleService
from bot.circle_types import PAUSED, RUNNING
from bot.telegram import reminders, sessions
from bot.timekeeping import (
    TOLERANCE,
    holidays_of,
    on_holiday,
    schedule_of,
    short_day,
    slots_between,
    upcoming,
    when,
)

log = logging.getLogger(__name__)

# Even with late_grace_minutes = 0 a session held up a few seconds by a busy event loop must
# still be posted: APScheduler would otherwise drop it with only a log line.
MIN_MISFIRE_SECONDS = 60
PACED = ("reply", "prompt")
NO_SESSION = "none (post with /next)"


def misfire_seconds(late_grace_minutes: int) -> int:
    """How late APScheduler may still run a job: the grace, and at least a minute."""
    return max(MIN_MISFIRE_SECONDS, late_grace_minutes * 60)


class Timetable:
    """Arms, fires and disarms the jobs of every circle of one Application."""

    def __init__(self, app: Application):
        self.app = app

    @property
    def service(self) -> CircleService:
        return self.app.bot_data["service"]

    def now(self) -> datetime:
        return self.app.bot_data["clock"]()

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.app.bot_data["config"].late_grace_minutes)

    # Arming --------------------------------------------------------------------------------

    async def start_up(self) -> None:
        """Re-arm every active circle from the database, dealing with what downtime missed."""
        for circle in self.service.active_circles():
            try:
                await self._run_due(circle.chat_id, restarted=True)
                await self.arm(circle.chat_id)
            except Exception:  # one broken circle must not keep the others unarmed
                log.exception("chat=%s could not be re-armed", circle.chat_id)

    async def arm(self, chat_id: int) -> None:
        """(Re)arm the circle's session, pacing and reminder jobs from the database."""
        service, now = self.service, self.now()
        circle = service.circle(chat_id)
        if circle is None or not circle.active:
            self.disarm(chat_id)
            return
        default = service.apply_default_schedule(chat_id, self.app.bot_data["config"].schedule, now)
        if default is not None:
            circle = default
            await self._announce_default(circle, now)
        self._arm_session(circle)
        reminders.arm(self, circle, now)
        await self._arm_pacing(circle)

    def disarm(self, chat_id: int) -> None:
        """Remove every job of the circle (finished, stopped, moved to a new chat id)."""
        for name in (f"session:{chat_id}", f"remind:{chat_id}"):
            self.remove(name)
        self._remove_pacing(chat_id)
        sessions.cancel_retry(self.app, chat_id)

    def remove(self, name: str) -> None:
        for job in self.app.job_queue.get_jobs_by_name(name):
            job.schedule_removal()

    def _remove_pacing(self, chat_id: int) -> None:
        for part in PACED:
            self.remove(f"pace:{chat_id}:{part}")

    def add(self, callback, trigger: BaseTrigger, name: str, chat_id: int, data=None) -> None:
        self.remove(name)
        misfire = misfire_seconds(self.app.bot_data["config"].late_grace_minutes)
        self.app.job_queue.run_custom(
            callback,
            job_kwargs={
                "trigger": trigger,
                "misfire_grace_time": misfire,
                "coalesce": True,
                "max_instances": 1,
                "replace_existing": True,
                "id": name,
            },
            name=name,
            chat_id=chat_id,
            data=data,
        )

    def _arm_session(self, circle: CircleInfo) -> None:
        schedule = schedule_of(circle)
        name = f"session:{circle.chat_id}"
        if schedule is None or (schedule.kind == "once" and not upcoming(circle, self.now())):
            self.remove(name)
            return
        self.add(_session_job, schedule.trigger(), name, circle.chat_id)
        log.info("chat=%s armed %s", circle.chat_id, schedule.spec)

    async def _arm_pacing(self, circle: CircleInfo, post_due: bool = True) -> None:
        """Arm the paced parts still to come; post those already due.

        Due parts are those whose time passed while the bot was down, or that a change of
        /pace made due (with pacing off: the rest of the point), as long as the point in the
        current slot is one a scheduled session began. A pending retry posts them itself.
        """
        chat_id = circle.chat_id
        self._remove_pacing(chat_id)
        marks = self.service.marks(chat_id)
        if circle.state != RUNNING or marks is None or marks.session_cursor != circle.cursor:
            return
        now = self.now()
        pending = self.service.next_post(chat_id)
        due = self.service.due_parts(chat_id, now)  # None: not paced, all of it is due
        retrying = self.app.job_queue.get_jobs_by_name(f"retry:{chat_id}")
        is_due = pending is not None and (due is None or pending.outgoing.part in due)
        if is_due and post_due and not retrying:
            await sessions.post_and_retry(self.app, chat_id, parts=due)
        times = self.service.pace_times(chat_id)
        if not times or self.service.next_post(chat_id) is None:
            return
        armed: set[datetime] = set()
        for part in PACED:
            at = times[part]
            if at > now and at not in armed:  # reply and prompt at one time: one job
                armed.add(at)
                trigger = DateTrigger(run_date=at)
                self.add(_pace_job, trigger, f"pace:{chat_id}:{part}", chat_id, circle.cursor)

    async def _announce_default(self, circle: CircleInfo, now: datetime) -> None:
        schedule = schedule_of(circle)
        if schedule is None:
            return
        runs = upcoming(circle, now, count=1)
        first = f" The first session: {when(runs[0])}." if runs else ""
        await sessions.say(
            self.app,
            circle.chat_id,
            f"🗓 This circle meets {escape(schedule.describe())}.{first} "
            "Organizers can change it with /schedule.",
        )

    # Firing --------------------------------------------------------------------------------

    async def on_session(self, chat_id: int) -> None:
        await self._run_due(chat_id, restarted=False)
        circle = self.service.circle(chat_id)
        if circle is not None and circle.active:
            await self._arm_pacing(circle, post_due=False)  # the session posted what is due

    def late_limit(self, restarted: bool) -> timedelta:
        """How late a session may still be posted. After downtime: `late_grace_minutes`. A
        job held up by a busy event loop: at least what APScheduler let through."""
        if restarted:
            return self.grace
        return max(self.grace, timedelta(seconds=MIN_MISFIRE_SECONDS))

    def claim_slot(self, chat_id: int) -> datetime | None:
        """A /next that opened a point shortly before (or just after) a scheduled session is
        that session: mark its slot handled so it does not post the next point right after.

        "Shortly": within the late limit either side of now, on a slot not yet handled.
        Returns the slot claimed, or None.
        """
        service, now = self.service, self.now()
        circle = service.circle(chat_id)
        schedule = schedule_of(circle) if circle is not None else None
        marks = service.marks(chat_id)
        if circle is None or circle.state != RUNNING or schedule is None or marks is None:
            return None
        window = self.late_limit(restarted=False)
        after = now - window
        if marks.last_slot_at is not None:
            after = max(after, marks.last_slot_at)
        slots = slots_between(schedule, after, now + window, holidays_of(circle))
        if not slots:
            return None
        service.mark_slot(chat_id, slots[0])
        log.info("chat=%s /next counts as the session at %s", chat_id, slots[0].isoformat())
        return slots[0]

    async def _run_due(self, chat_id: int, restarted: bool) -> None:
        """Run the session due now, if any: at most one, however many were missed."""
        service, now = self.service, self.now()
        circle = service.circle(chat_id)
        schedule = schedule_of(circle) if circle is not None else None
        marks = service.marks(chat_id)
        if circle is None or not circle.active or schedule is None or marks is None:
            return
        if marks.last_slot_at is None:
            if restarted:  # scheduled before the bookkeeping existed: nothing is owed
                service.mark_slot(chat_id, now)
                return
            last = now - max(self.late_limit(restarted), TOLERANCE)
        else:
            last = marks.last_slot_at
        slots = slots_between(schedule, last, now + TOLERANCE)
        if not slots:
            return
        holidays = holidays_of(circle)
        real = [slot for slot in slots if not on_holiday(slot, holidays)]
        if not real or circle.state == PAUSED:
            reason = "paused" if real else "on holiday"
            log.info("chat=%s session at %s skipped: %s", chat_id, slots[-1].isoformat(), reason)
            service.mark_slot(chat_id, slots[-1])
            return
        slot = real[-1]
        if now - slot > self.late_limit(restarted) + TOLERANCE:
            service.mark_slot(chat_id, slots[-1])
            await self._report_missed(circle, slot, now, restarted)
            return
        if now - slot > TOLERANCE and restarted:
            await self.tell(chat_id, f"Posting the {slot:%H:%M} session late: the bot was offline.")
        log.info("chat=%s session for %s", chat_id, slot.isoformat())
        await sessions.run_session(self.app, chat_id, slot=slot)
        service.mark_slot(chat_id, slots[-1])

    async def _report_missed(
        self, circle: CircleInfo, slot: datetime, now: datetime, restarted: bool
    ) -> None:
        why = "offline" if restarted else "held up"
        runs = upcoming(circle, now, count=1)
        following = (
            f"the next session is {short_day(runs[0])} {runs[0]:%H:%M}"
            if runs
            else "there is no further session: post with /next"
        )
        log.warning("chat=%s missed the session at %s", circle.chat_id, slot.isoformat())
        await self.tell(
            circle.chat_id,
            f"The bot was {why} at {slot:%H:%M} {short_day(slot)}; {following}.",
        )

    async def on_pace(self, chat_id: int, cursor: int) -> None:
        """A paced part's time: post what is due, if the session is still the same one."""
        circle = self.service.circle(chat_id)
        if circle is None or circle.state != RUNNING or circle.cursor != cursor:
            return
        due = self.service.due_parts(chat_id, self.now())
        if due is None:  # a /next, /skip or /goto ended the pacing meanwhile
            return
        await sessions.post_and_retry(self.app, chat_id, parts=due)

    async def tell(self, chat_id: int, html: str) -> None:
        try:
            await sessions.say(self.app, chat_id, html)
        except TelegramError as error:
            log.warning("chat=%s could not send a timetable notice: %s", chat_id, error)

    # Reading -------------------------------------------------------------------------------

    def describe_next(self, chat_id: int) -> str:
        """For /status: the next session in the circle's time zone (and a paced part due)."""
        circle = self.service.circle(chat_id)
        if circle is None or not circle.active:
            return NO_SESSION
        now = self.now()
        parts = []
        times = self.service.pace_times(chat_id)
        pending = self.service.next_post(chat_id)
        part = pending.outgoing.part if pending is not None else ""
        part = "prompt" if part == "poll" else part
        if times and times.get(part, now) > now:
            parts.append(f"the {part} at {when(times[part])}")
        runs = upcoming(circle, now, count=1)
        if runs:
            parts.append(f"{when(runs[0])} ({circle.timezone})")
        if not parts:
            return NO_SESSION
        paused = " — paused: nothing is posted until /resume" if circle.state == PAUSED else ""
        return "; then ".join(parts) + paused


def timetable(app: Application) -> Timetable:
    return app.bot_data["timetable"]


async def _session_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await timetable(context.application).on_session(context.job.chat_id)


async def _pace_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await timetable(context.application).on_pace(context.job.chat_id, context.job.data)
