"""The timetable's jobs, armed from what SQLite says, and the execution of session plans.

SQLite holds the settings and the bookkeeping; APScheduler (under python-telegram-bot's
JobQueue) only holds what is armed now. Per circle:

- `session:<chat_id>`: the schedule's trigger. Asks the engine what is due (bot/sessions.py
  `run_due`) and executes the answer.
- `pace:<chat_id>:<part>`: a date trigger for the reply or prompt of a paced visit.
- `remind:<chat_id>`: a date trigger `/remind` before the next session.
- `retry:<chat_id>`: a post Telegram could not take yet (bot/telegram/sending.py).

APScheduler decides when to call; every decision after that is the engine's, with the
injected clock, so a job that fires early, late or twice does the right thing, and tests fire
jobs directly. This module decides nothing: it sends, records and arms what it is told.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from telegram.error import TelegramError
from telegram.ext import Application

from bot import participation, reads, retention
from bot.model import RUNNING, Circle, Refusal, load_active, load_circle
from bot.schedule.timetable import (
    MISSED,
    RUN,
    TOLERANCE,
    earlier,
    misfire_seconds,
    upcoming,
)
from bot.sessions import SessionPlan, delivery_now, interrupted, run_due
from bot.telegram import polls, sending
from bot.telegram.context import BotData, CircleContext
from bot.telegram.language import circle_language, in_circle_language
from bot.telegram.nudges import AUTO, send_nudges
from bot.text import posts as text
from bot.text import speaking

log = logging.getLogger(__name__)

PACED = ("reply", "prompt")
RETENTION_EVERY = timedelta(days=1)
NUDGE_BEFORE = timedelta(hours=2)  # private nudges without a /remind setting


class Timetable:
    """Arms, fires and disarms the jobs of every circle of one Application."""

    def __init__(self, app: Application):
        self.app = app

    @property
    def data(self) -> BotData:
        return self.app.bot_data  # type: ignore[return-value]

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.data.config.late_grace_minutes)

    # Executing what the engine decided -----------------------------------------------------

    async def execute(self, plan: SessionPlan) -> sending.PostResult | None:
        """Post a session: the closed point's digest, then the point (or the end)."""
        chat_id, thread_id = plan.circle.chat_id, plan.circle.thread_id
        # The closed point's poll is stopped first, so the digest shows its final result.
        closed = await polls.stop_stale(self.app, chat_id, plan.closed)
        if closed is not None:
            await self.tell(chat_id, text.digest(closed, thread_id), thread_id)
        if plan.finished:
            self.disarm(chat_id)
            await self.tell(chat_id, text.finished(plan.exchange_title), thread_id)
            return None
        result = None
        if plan.delivery is not None:
            result = await sending.deliver_and_retry(self.app, plan.delivery)
        self.arm_pacing(plan.circle)
        return result

    async def tell(self, chat_id: int, html: str, thread_id: int | None = None) -> None:
        """A notice from the circle; a courtesy, so a refusal is logged, never raised."""
        try:
            await sending.say(self.app, chat_id, html, thread_id)
        except TelegramError as error:
            log.warning("chat=%s could not send a notice: %s", chat_id, error)

    # Arming --------------------------------------------------------------------------------

    async def start_up(self) -> None:
        """Finish half-posted points, run or report what downtime missed, re-arm every circle;
        apply the retention period now and daily."""
        data = self.data
        if data.config.retention_days:
            self.purge()
            self.app.job_queue.run_repeating(
                _retention_job, interval=RETENTION_EVERY, first=RETENTION_EVERY, name="retention"
            )
        for plan in interrupted(data.store, data.exchanges, data.now()):
            log.info("chat=%s resuming point %s", plan.chat_id, plan.point_index + 1)
            with speaking(circle_language(data.store, data.exchanges, plan.chat_id)):
                await sending.deliver_and_retry(self.app, plan)  # a refusal's words
        for circle in load_active(data.store):
            try:
                with speaking(circle_language(data.store, data.exchanges, circle.chat_id)):
                    await self.on_slot(circle.chat_id, restarted=True)
                    await self.arm(circle.chat_id)
            except Exception:  # one broken circle must not keep the others unarmed
                log.exception("chat=%s could not be re-armed", circle.chat_id)

    def purge(self) -> None:
        deleted = retention.purge(self.data.store, self.data.now(), self.data.config.retention_days)
        if any(deleted.values()):
            log.info("retention: deleted %s", ", ".join(f"{n} {k}" for k, n in deleted.items()))

    async def arm(self, chat_id: int, post_due: bool = True) -> None:
        """(Re)arm the circle's session, pacing and reminder jobs from the database; post the
        paced parts that a change made due (or that came due while the bot was down)."""
        data, now = self.data, self.data.now()
        circle = load_circle(data.store, chat_id)
        if circle is None or not circle.active:
            self.disarm(chat_id)
            return
        if circle.settings.problems:
            log.warning(
                "chat=%s settings problems: %s", chat_id, "; ".join(circle.settings.problems)
            )
        default = data.circles.apply_default_schedule(chat_id, data.config.schedule, now)
        if default is not None:
            circle = default
            await self._announce_default(circle, now)
        self._arm_session(circle, now)
        self.arm_reminder(circle, now)
        if post_due and not sending.retrying(self.app, chat_id):
            plan = delivery_now(
                data.store, data.exchanges, chat_id, now, paced=True, session_only=True
            )
            if plan is not None:
                await sending.deliver_and_retry(self.app, plan)
                circle = load_circle(data.store, chat_id) or circle
        self.arm_pacing(circle)

    def disarm(self, chat_id: int) -> None:
        """Remove every job of the circle (finished, stopped, moved to a new chat id)."""
        for name in (f"session:{chat_id}", f"remind:{chat_id}", f"nudge:{chat_id}"):
            self.remove(name)
        self._remove_pacing(chat_id)
        sending.cancel_retry(self.app, chat_id)

    def remove(self, name: str) -> None:
        sending.remove_job(self.app, name)

    def _remove_pacing(self, chat_id: int) -> None:
        for part in PACED:
            self.remove(f"pace:{chat_id}:{part}")

    def add(self, callback, trigger: BaseTrigger, name: str, chat_id: int, data=None) -> None:
        # The job's id is its name: `replace_existing` replaces the one armed before.
        self.app.job_queue.run_custom(
            callback,
            job_kwargs={
                "trigger": trigger,
                "misfire_grace_time": misfire_seconds(self.grace),
                "coalesce": True,
                "max_instances": 1,
                "replace_existing": True,
                "id": name,
            },
            name=name,
            chat_id=chat_id,
            data=data,
        )

    def _arm_session(self, circle: Circle, now: datetime) -> None:
        schedule, name = circle.settings.schedule, f"session:{circle.chat_id}"
        if schedule is None or (schedule.kind == "once" and not self.upcoming(circle, now)):
            self.remove(name)
            return
        self.add(_session_job, schedule.trigger(), name, circle.chat_id)
        log.info("chat=%s armed %s", circle.chat_id, schedule.spec)

    def arm_pacing(self, circle: Circle) -> None:
        """Arm the paced parts of the current visit still to come."""
        chat_id, now = circle.chat_id, self.data.now()
        self._remove_pacing(chat_id)
        if circle.state != RUNNING:
            return
        armed: set[datetime] = set()
        for part, at in circle.pace_times().items():
            if part in PACED and at > now and at not in armed:  # one job per moment
                armed.add(at)
                trigger = DateTrigger(run_date=at)
                self.add(_pace_job, trigger, f"pace:{chat_id}:{part}", chat_id, circle.visit)

    def arm_reminder(self, circle: Circle, after: datetime) -> None:
        """Arm the reminder for the first session whose reminder time is after `after`, and
        the private nudges (bot/telegram/nudges.py) as long before it, or NUDGE_BEFORE."""
        name, before = f"remind:{circle.chat_id}", circle.settings.remind_before
        self.arm_nudge(circle, after)
        self.remove(name)
        if before is None:
            return
        runs = self.upcoming(circle, after + before, count=1)
        if runs:
            trigger = DateTrigger(run_date=earlier(runs[0], before))
            self.add(_remind_job, trigger, name, circle.chat_id, runs[0])

    def arm_nudge(self, circle: Circle, after: datetime) -> None:
        """The nudge job before the next session, while any member asked for nudges (a job
        per circle nobody asked would slow every start-up)."""
        name, before = f"nudge:{circle.chat_id}", circle.settings.remind_before or NUDGE_BEFORE
        self.remove(name)
        if not participation.anyone_nudged(self.data.store, circle.chat_id):
            return
        runs = self.upcoming(circle, after + before, count=1)
        if runs:
            trigger = DateTrigger(run_date=earlier(runs[0], before))
            self.add(_nudge_job, trigger, name, circle.chat_id, runs[0])

    def upcoming(self, circle: Circle, now: datetime, count: int = 3) -> list[datetime]:
        settings = circle.settings
        return upcoming(settings.schedule, settings.holidays, now, circle.marks.last_slot_at, count)

    async def _announce_default(self, circle: Circle, now: datetime) -> None:
        schedule = circle.settings.schedule
        if schedule is not None:
            runs = self.upcoming(circle, now, count=1)
            html = text.default_schedule(schedule.describe(), runs[0] if runs else None)
            await self.tell(circle.chat_id, html, circle.thread_id)

    async def follow_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """The circle moved to a new chat id (a group became a supergroup): move its posting
        lock, its noted failure and its jobs along, so nothing keeps working on the old id."""
        data = self.data
        for kept in (data.posting_locks, data.post_failures):
            if old_chat_id in kept:
                kept.setdefault(new_chat_id, kept.pop(old_chat_id))  # type: ignore[arg-type]
        sending.move_retry(self.app, old_chat_id, new_chat_id)
        self.disarm(old_chat_id)
        await self.arm(new_chat_id, post_due=False)
        log.info("chat=%s jobs moved to chat=%s", old_chat_id, new_chat_id)

    # Firing --------------------------------------------------------------------------------

    async def on_slot(self, chat_id: int, restarted: bool) -> None:
        """A slot's time (or start-up): do what the engine says is due."""
        data = self.data
        now = data.now()
        outcome = run_due(data.store, data.exchanges, chat_id, now, self.grace, restarted)
        if outcome is None or outcome.due.slot is None:
            return
        circle, due = outcome.circle, outcome.due
        log.info("chat=%s slot %s: %s %s", chat_id, due.slot.isoformat(), due.action, due.reason)
        if due.action == MISSED:
            html = text.missed(due.slot, outcome.next_session, restarted)
            await self.tell(chat_id, html, circle.thread_id)
        elif due.action == RUN and outcome.plan is not None:
            if due.late:
                await self.tell(chat_id, text.posting_late(due.slot), circle.thread_id)
            await self.execute(outcome.plan)

    async def on_pace(self, chat_id: int, visit: int) -> None:
        """A paced part's time: post what is due, if the visit is still the same one."""
        data = self.data
        plan = delivery_now(
            data.store,
            data.exchanges,
            chat_id,
            data.now(),
            visit=visit,
            paced=True,
            session_only=True,
        )
        if plan is not None:
            await sending.deliver_and_retry(self.app, plan)

    async def on_reminder(self, chat_id: int, slot: datetime) -> None:
        """Tell the group how many answered, once, before the session that closes the point."""
        data, now = self.data, self.data.now()
        circle = load_circle(data.store, chat_id)
        before = circle.settings.remind_before if circle else None
        if circle is None or not circle.active or before is None:
            return
        if now < earlier(slot, before + TOLERANCE):  # early by the clock: wait for the time
            self.arm_reminder(circle, now)
            return
        if now < slot and circle.state == RUNNING:
            status = reads.status(data.store, data.exchanges, chat_id, now)
            # The point out now closes at the next session: `slot`, unless the reminder is
            # longer than the gap between sessions (/remind warns), then the one in between.
            closes = next(iter(self.upcoming(circle, now, count=1)), slot)
            if not isinstance(status, Refusal) and status.point_posted:
                left = timedelta(minutes=max(1, round((closes - now).total_seconds() / 60)))
                html = text.reminder(status.point_number, left, len(status.answered))
                await self.tell(chat_id, html, circle.thread_id)
        self.arm_reminder(circle, max(now, earlier(slot, before)))


def timetable(app: Application) -> Timetable:
    return app.bot_data.timetable  # type: ignore[attr-defined]


async def _retention_job(context: CircleContext) -> None:
    timetable(context.application).purge()


@in_circle_language
async def _session_job(context: CircleContext) -> None:
    await timetable(context.application).on_slot(context.job.chat_id, restarted=False)


@in_circle_language
async def _pace_job(context: CircleContext) -> None:
    await timetable(context.application).on_pace(context.job.chat_id, context.job.data)


@in_circle_language
async def _nudge_job(context: CircleContext) -> None:
    """Private reminders to opted-in members without an answer, then the next nudge."""
    await send_nudges(context, context.job.chat_id, AUTO)
    table = timetable(context.application)
    circle = load_circle(table.data.store, context.job.chat_id)
    if circle is not None and circle.active:
        table.arm_nudge(circle, max(table.data.now(), context.job.data))


@in_circle_language
async def _remind_job(context: CircleContext) -> None:
    await timetable(context.application).on_reminder(context.job.chat_id, context.job.data)
