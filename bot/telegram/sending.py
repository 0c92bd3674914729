"""Sending for the circle: its own messages to the group, and deliveries with their retries.

Jobs are named per chat (`retry:<chat_id>` here; `session:`, `pace:` and `remind:` in
bot/telegram/timetable.py) so they can be found, replaced and removed, the way
python-telegram-bot's timerbot example does it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram.ext import Application, Job

from bot.model import load_circle
from bot.posting import Delivery
from bot.sessions import delivery_now
from bot.telegram.context import BotData, CircleContext
from bot.telegram.language import in_circle_language
from bot.telegram.posting import PostResult, deliver
from bot.telegram.ratelimit import Priority
from bot.text.dates import when

log = logging.getLogger(__name__)


def data(app: Application) -> BotData:
    return app.bot_data  # type: ignore[return-value]


async def say(app: Application, chat_id: int, html: str, thread_id: int | None = None) -> None:
    """A message from the circle to its chat (and forum topic), outside any reply."""
    await app.bot.send_message(
        chat_id, html, message_thread_id=thread_id, rate_limit_args=Priority.POST
    )


@dataclass(frozen=True)
class Retry:
    """A `retry:<chat>` job's data: post again, only while visit `visit` is current."""

    visit: int
    paced: bool


async def deliver_and_retry(app: Application, plan: Delivery) -> PostResult:
    """Post the delivery; if Telegram could not take it now, try again later by itself."""
    shared = data(app)
    # One posting loop per chat at a time: /next, a session and a retry never interleave
    # (each would see the same pending message and send it twice).
    async with shared.posting_locks.setdefault(plan.chat_id, asyncio.Lock()):
        result = await deliver(app.bot, shared.circles, shared.clock, plan)
    if result.chat_id != plan.chat_id:  # the send found the group had become a supergroup
        await shared.timetable.follow_migration(plan.chat_id, result.chat_id)
    _note_outcome(shared, result)
    if result.retry_after is not None and app.job_queue is not None:
        cancel_retry(app, result.chat_id)
        _run_once(app, result.retry_after, result.chat_id, Retry(plan.visit, plan.paced))
        log.info("chat=%s posting again in %.0fs", result.chat_id, result.retry_after)
    return result


@in_circle_language
async def _retry_job(context: CircleContext) -> None:
    job = context.job
    retry: Retry = job.data
    shared = context.bot_data
    # Stopped, paused, or the visit moved on: that point is no longer current. A paced visit
    # posts what its pacing (perhaps changed meanwhile) makes due now.
    plan = delivery_now(
        shared.store,
        shared.exchanges,
        job.chat_id,
        shared.now(),
        visit=retry.visit,
        paced=retry.paced,
    )
    if plan is not None:
        await deliver_and_retry(context.application, plan)


def _run_once(app: Application, when: object, chat_id: int, retry: Retry) -> None:
    name = f"retry:{chat_id}"
    app.job_queue.run_once(
        _retry_job,
        when,  # type: ignore[arg-type]
        chat_id=chat_id,
        name=name,
        data=retry,
        job_kwargs={"id": name, "replace_existing": True},
    )


def find_job(app: Application, name: str) -> Job | None:
    """The job named `name`, by its id: every job of the bot has its name as its id, so this is
    a dictionary look-up where `get_jobs_by_name` scans every job (quadratic at start-up)."""
    if app.job_queue is None:
        return None
    found = app.job_queue.scheduler.get_job(name)
    return Job.from_aps_job(found) if found is not None else None


def remove_job(app: Application, name: str) -> None:
    job = find_job(app, name)
    if job is not None:
        job.schedule_removal()


def cancel_retry(app: Application, chat_id: int) -> None:
    """Forget a pending `retry:<chat>` (the visit moved on, or the circle stopped)."""
    remove_job(app, f"retry:{chat_id}")


def move_retry(app: Application, old_chat_id: int, new_chat_id: int) -> None:
    job = find_job(app, f"retry:{old_chat_id}")
    if job is not None:
        job.schedule_removal()
        _run_once(app, job.next_t or 0, new_chat_id, job.data)  # type: ignore[arg-type]


def retrying(app: Application, chat_id: int) -> bool:
    return find_job(app, f"retry:{chat_id}") is not None


def _note_outcome(shared: BotData, result: PostResult) -> None:
    """Remember a refusal for /status until a later post gets through."""
    if result.error:
        shared.post_failures[result.chat_id] = (shared.now(), result.error)
    elif result.posted:
        shared.post_failures.pop(result.chat_id, None)


def last_failure(shared: BotData, chat_id: int) -> str | None:
    """For /status: the last refused post not yet followed by a successful one."""
    failure = shared.post_failures.get(chat_id)
    circle = load_circle(shared.store, chat_id) if failure else None
    if failure is None or circle is None:
        return None
    at, error = failure
    return f"{when(at.astimezone(ZoneInfo(circle.timezone)))}: {error}"
