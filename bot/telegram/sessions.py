"""Running a session: open the point in the engine, post it, retry what Telegram could not take.

Jobs are named per chat (`retry:<chat_id>`, `session:<chat_id>`) so they can be found,
replaced and removed, the way python-telegram-bot's timerbot example does it.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Message
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes

from bot.circle import CircleService, Refusal
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


async def run_session(app: Application, chat_id: int, reply_to: Message | None = None) -> None:
    """Open the current (or next) point and post it; say so when the circle is finished."""
    service = _service(app)
    session = service.open_session(chat_id, _now(app))
    if isinstance(session, Refusal):
        if reply_to is not None:
            await reply_to.reply_text(escape(session.message), do_quote=False)
        else:
            log.info("chat=%s session not run: %s", chat_id, session.message)
        return
    if session.finished:
        exchange = service.exchanges[session.circle.exchange_id]
        await say(
            app,
            chat_id,
            f"🏁 That was the last point of <b>{escape(exchange.title)}</b>. "
            "Thank you for reading and answering together! Members can see their own answers "
            "with /mine.",
        )
        disarm(app, chat_id)
        return
    await post_and_retry(app, chat_id)


async def post_and_retry(app: Application, chat_id: int) -> PostResult:
    """Post what is pending; if Telegram could not take it now, try again later by itself."""
    result = await post_pending(app.bot, _service(app), app.bot_data["clock"], chat_id)
    if result.retry_after is not None and app.job_queue is not None:
        name = f"retry:{result.chat_id}"
        for job in app.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        app.job_queue.run_once(_retry_job, result.retry_after, chat_id=result.chat_id, name=name)
        log.info("chat=%s posting again in %.0fs", result.chat_id, result.retry_after)
    return result


async def _retry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    circle = _service(context.application).circle(context.job.chat_id)
    if circle is not None and circle.state == "running":
        await post_and_retry(context.application, context.job.chat_id)


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
            await post_and_retry(app, circle.chat_id)


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
