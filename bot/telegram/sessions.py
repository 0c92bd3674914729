"""Running a session: open the point in the engine, post it, retry what Telegram could not take.

Jobs are named per chat (`retry:<chat_id>` here; `session:`, `pace:` and `remind:` in
bot/telegram/timetable.py) so they can be found, replaced and removed, the way
python-telegram-bot's timerbot example does it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Set
from datetime import datetime
from html import escape

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.circle import CircleService, Refusal, Session
from bot.digest import render_digest
from bot.telegram.posting import PostResult, post_pending

log = logging.getLogger(__name__)


def _service(app: Application) -> CircleService:
    return app.bot_data["service"]


def _now(app: Application):
    return app.bot_data["clock"]()


async def say(app: Application, chat_id: int, html: str) -> None:
    """A message from the circle to its chat (and forum topic), outside any reply."""
    circle = _service(app).circle(chat_id)
    thread_id = circle.thread_id if circle else None
    await app.bot.send_message(
        chat_id, html, parse_mode=ParseMode.HTML, message_thread_id=thread_id
    )


async def run_session(
    app: Application,
    chat_id: int,
    reply_to: Message | None = None,
    slot: datetime | None = None,
) -> Session | None:
    """Open the current (or next) point and post it; say so when the circle is finished.

    `slot` is the scheduled time when the timetable runs the session: the session is then
    recorded (bot/timekeeping.py) and only the parts its pacing makes due now are posted. A
    manual /next posts the whole point at once.
    """
    service = _service(app)
    now = _now(app)
    session = service.open_session(chat_id, now)
    if isinstance(session, Refusal):
        if reply_to is not None:
            await reply_to.reply_text(escape(session.message), do_quote=False)
        else:
            log.info("chat=%s session not run: %s", chat_id, session.message)
        return None
    if session.closed_point is not None:
        await _post_digest(app, chat_id, session.closed_point)
    if slot is not None:
        service.mark_slot(chat_id, slot)
    if session.finished:
        exchange = service.exchanges[session.circle.exchange_id]
        await say(
            app,
            chat_id,
            f"🏁 That was the last point of <b>{escape(exchange.title)}</b>: the circle is "
            "finished. Thank you for reading and answering together! Members can see their own "
            "answers with /mine. Organizers: /export sends the minutes to you privately.",
        )
        disarm(app, chat_id)
        return session
    parts = None
    if slot is not None:
        marks = service.marks(chat_id)
        paced_before = marks is not None and marks.session_cursor == session.circle.cursor
        # A point still being paced when the next session comes is completed now (all its
        # parts), and the next point waits for the session after: never two points at once.
        if session.closed_point is not None or not paced_before:
            service.mark_session(chat_id, slot, now, session.circle.cursor)
            parts = service.due_parts(chat_id, now)
    result = await post_and_retry(app, chat_id, parts=parts)
    if reply_to is not None and (result.error or result.retry_after is not None):
        # The organizer asked for this post: say what happened rather than stay silent.
        problem = result.error or (
            f"Telegram did not take the message just now; I will try again in "
            f"{result.retry_after:.0f} s by myself."
        )
        await reply_to.reply_text(escape(problem), do_quote=False)
    return session


async def _post_digest(app: Application, chat_id: int, point_index: int) -> None:
    service = _service(app)
    digest = service.point_digest(chat_id, point_index)
    circle = service.circle(chat_id)
    if isinstance(digest, Refusal) or circle is None:
        return
    try:
        await say(app, chat_id, render_digest(digest, circle.thread_id))
    except TelegramError as error:
        # The digest is a courtesy: the next point must go out even if it could not.
        log.warning("chat=%s digest of point %s not sent: %s", chat_id, point_index + 1, error)


async def post_and_retry(
    app: Application, chat_id: int, parts: Set[str] | None = None
) -> PostResult:
    """Post what is pending (only `parts`, if given); if Telegram could not take it now, try
    again later by itself."""
    # One posting loop per chat at a time: /next, a session and a retry job may coincide, and
    # two loops would both send a message that is still 'sending' (docs/posting-protocol.md).
    locks = app.bot_data.setdefault("posting_locks", {})
    async with locks.setdefault(chat_id, asyncio.Lock()):
        result = await post_pending(
            app.bot, _service(app), app.bot_data["clock"], chat_id, parts=parts
        )
    if result.retry_after is not None and app.job_queue is not None:
        name = f"retry:{result.chat_id}"
        for job in app.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        app.job_queue.run_once(
            _retry_job, result.retry_after, chat_id=result.chat_id, name=name, data=parts
        )
        log.info("chat=%s posting again in %.0fs", result.chat_id, result.retry_after)
    return result


async def _retry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    circle = _service(context.application).circle(context.job.chat_id)
    if circle is not None and circle.state == "running":
        await post_and_retry(context.application, context.job.chat_id, parts=context.job.data)


async def resume_interrupted(app: Application) -> None:
    """At start-up, finish posting any point a crash or outage left half-posted."""
    service = _service(app)
    for circle in service.active_circles():
        pending = service.next_post(circle.chat_id)
        if circle.state != "running" or pending is None:
            continue
        # A point whose first message was never attempted was not begun: leave it to /next or
        # the schedule. Anything else was begun and must be completed, not restarted.
        if pending.key != "letter" or pending.uncertain:
            log.info(
                "chat=%s resuming point %s at %s",
                circle.chat_id,
                pending.point_index + 1,
                pending.key,
            )
            # A paced session posts only what is due; the timetable arms the rest.
            parts = service.due_parts(circle.chat_id, _now(app))
            await post_and_retry(app, circle.chat_id, parts=parts)


async def rearm(app: Application, chat_id: int) -> None:
    """(Re)arm the circle's timetable from the database; see bot/telegram/timetable.py."""
    timetable = app.bot_data.get("timetable")
    if timetable is not None:
        await timetable.arm(chat_id)


def disarm(app: Application, chat_id: int) -> None:
    timetable = app.bot_data.get("timetable")
    if timetable is not None:
        timetable.disarm(chat_id)


def describe_next(app: Application, chat_id: int) -> str:
    timetable = app.bot_data.get("timetable")
    if timetable is not None:
        return timetable.describe_next(chat_id)
    return "none (post with /next)"
