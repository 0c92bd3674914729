"""Running a session: open the point in the engine, post it, retry what Telegram could not take.

Jobs are named per chat (`retry:<chat_id>` here; `session:`, `pace:` and `remind:` in
bot/telegram/timetable.py) so they can be found, replaced and removed, the way
python-telegram-bot's timerbot example does it. What is kept per chat in `bot_data`
(`posting_locks`, `post_failures`) and in jobs follows the circle when its chat id changes
(`follow_migration`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.circle import CircleService, Refusal, Session
from bot.circle_types import RUNNING
from bot.digest import render_digest
from bot.telegram.context import answer
from bot.telegram.posting import PostResult, post_pending
from bot.timekeeping import when

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
    manual /next posts the whole point at once; shortly before a scheduled session it counts
    as that session (`Timetable.claim_slot`), so the session does not post the next point too.
    """
    service = _service(app)
    now = _now(app)
    # A scheduled session's bookkeeping is written with the point it opens, before any
    # Telegram call: a crash while the closed point's digest goes out still leaves a point
    # that start-up (`resume_interrupted`) completes. The digest itself is then lost.
    if slot is None:
        session = service.open_session(chat_id, now)
    else:
        session = service.open_scheduled_session(chat_id, slot, now)
    if isinstance(session, Refusal):
        if reply_to is not None:
            await answer(reply_to, escape(session.message))
        else:
            log.info("chat=%s session not run: %s", chat_id, session.message)
        return None
    if session.finished:
        await finish(app, chat_id, session.closed_point)
        return session
    pending = service.next_post(chat_id)
    fresh = pending is not None and pending.key == "letter" and not pending.uncertain
    if session.closed_point is not None:
        await post_digest(app, chat_id, session.closed_point)
    # A session that began this slot posts what its pacing makes due; a point still being
    # paced when the next session comes is completed now (all its parts), and the next point
    # waits for the session after: never two points at once. /next posts all of it.
    parts = service.due_parts(chat_id, now) if session.session_began else None
    result = await post_and_retry(app, chat_id, parts=parts)
    if reply_to is None:
        return session
    if result.error or result.retry_after is not None:
        # The organizer asked for this post: say what happened rather than stay silent.
        problem = result.error or (
            f"Telegram did not take the message just now; I will try again in "
            f"{result.retry_after:.0f} s by myself."
        )
        await answer(reply_to, escape(problem))
    timetable = app.bot_data.get("timetable")
    claimed = timetable.claim_slot(chat_id) if fresh and slot is None and timetable else None
    if claimed is not None and result.error is None:
        today = claimed.date() == now.astimezone(claimed.tzinfo).date()
        named = f"{claimed:%H:%M}" if today else when(claimed)
        await answer(
            reply_to, f"This counts as the {named} session: it will not post another point."
        )
    return session


async def finish(app: Application, chat_id: int, closed_point: int | None) -> None:
    """The circle has finished: the last point's digest (if it was posted), the announcement
    with how to get the minutes, and no more jobs. The same after a session and a /skip."""
    service = _service(app)
    if closed_point is not None:
        await post_digest(app, chat_id, closed_point)
    circle = service.circle(chat_id)
    exchange = service.exchanges.get(circle.exchange_id) if circle is not None else None
    title = f" of <b>{escape(exchange.title)}</b>" if exchange is not None else ""
    disarm(app, chat_id)
    await say(
        app,
        chat_id,
        f"🏁 That was the last point{title}: the circle is finished. Thank you for reading and "
        "answering together! Members can see their own answers with /mine. Organizers: /export "
        "sends the minutes to you privately.",
    )


async def post_digest(app: Application, chat_id: int, point_index: int) -> None:
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


@dataclass(frozen=True)
class Retry:
    """A `retry:<chat>` job's data: what to post again, and only in posting slot `cursor`."""

    parts: Set[str] | None
    cursor: int | None


async def post_and_retry(
    app: Application,
    chat_id: int,
    parts: Set[str] | None = None,
    cursor: int | None = None,
) -> PostResult:
    """Post what is pending (only `parts`, if given, and only in posting slot `cursor`, by
    default the current one); if Telegram could not take it now, try again later by itself."""
    service = _service(app)
    if cursor is None:
        circle = service.circle(chat_id)
        cursor = circle.cursor if circle is not None else None
    # One posting loop per chat at a time: /next, a session and a retry job may coincide, and
    # two loops would both send a message that is still 'sending' (docs/posting-protocol.md).
    locks = app.bot_data.setdefault("posting_locks", {})
    async with locks.setdefault(chat_id, asyncio.Lock()):
        result = await post_pending(
            app.bot, service, app.bot_data["clock"], chat_id, parts=parts, cursor=cursor
        )
    if result.chat_id != chat_id:  # the send found the group had become a supergroup
        await follow_migration(app, chat_id, result.chat_id)
    _note_outcome(app, result)
    if result.retry_after is not None and app.job_queue is not None:
        cancel_retry(app, result.chat_id)
        app.job_queue.run_once(
            _retry_job,
            result.retry_after,
            chat_id=result.chat_id,
            name=f"retry:{result.chat_id}",
            data=Retry(parts, cursor),
        )
        log.info("chat=%s posting again in %.0fs", result.chat_id, result.retry_after)
    return result


async def _retry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    app, chat_id, retry = context.application, context.job.chat_id, context.job.data
    service = _service(app)
    circle = service.circle(chat_id)
    if circle is None or circle.state != RUNNING or circle.cursor != retry.cursor:
        return  # stopped, paused, or the slot moved on: that point is no longer current
    parts = retry.parts
    if parts is not None:  # a paced session: what its pacing (perhaps changed) makes due now
        parts = service.due_parts(chat_id, _now(app))
    await post_and_retry(app, chat_id, parts=parts, cursor=retry.cursor)


def cancel_retry(app: Application, chat_id: int) -> None:
    """Forget a pending `retry:<chat>` (the slot moved on, or the circle stopped)."""
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(f"retry:{chat_id}"):
            job.schedule_removal()


def _note_outcome(app: Application, result: PostResult) -> None:
    """Remember a refusal for /status until a later post gets through."""
    failures = app.bot_data.setdefault("post_failures", {})
    if result.error:
        failures[result.chat_id] = (_now(app), result.error)
    elif result.posted:
        failures.pop(result.chat_id, None)


def last_failure(app: Application, chat_id: int) -> str | None:
    """For /status: the last refused post not yet followed by a successful one."""
    failure = app.bot_data.get("post_failures", {}).get(chat_id)
    circle = _service(app).circle(chat_id)
    if failure is None or circle is None:
        return None
    at, error = failure
    return f"{when(at.astimezone(ZoneInfo(circle.timezone)))}: {error}"


async def follow_migration(app: Application, old_chat_id: int, new_chat_id: int) -> None:
    """The circle moved to a new chat id (a group became a supergroup): move its posting
    lock, its noted failure and its jobs along, so nothing keeps working on the old id."""
    for key in ("posting_locks", "post_failures"):
        kept = app.bot_data.setdefault(key, {})
        if old_chat_id in kept:
            kept.setdefault(new_chat_id, kept.pop(old_chat_id))
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(f"retry:{old_chat_id}"):
            job.schedule_removal()
            app.job_queue.run_once(
                _retry_job,
                job.next_t or 0,
                chat_id=new_chat_id,
                name=f"retry:{new_chat_id}",
                data=job.data,
            )
    disarm(app, old_chat_id)
    await rearm(app, new_chat_id)
    log.info("chat=%s jobs moved to chat=%s", old_chat_id, new_chat_id)


async def resume_interrupted(app: Application) -> None:
    """At start-up, finish posting any point a crash or outage left half-posted."""
    service = _service(app)
    now = _now(app)
    for circle in service.active_circles():
        pending = service.next_post(circle.chat_id)
        if circle.state != RUNNING or pending is None:
            continue
        # A point whose first message was never attempted was not begun: leave it to /next or
        # the schedule. Anything else was begun and must be completed, not restarted. So was a
        # scheduled session of this slot whose first message Telegram turned away (a 429 that
        # outlasted the retries): its slot is marked done, so the timetable will not run it.
        marks = service.marks(circle.chat_id)
        began = marks is not None and marks.session_cursor == circle.cursor
        if pending.key != "letter" or pending.uncertain or began:
            log.info(
                "chat=%s resuming point %s at %s",
                circle.chat_id,
                pending.point_index + 1,
                pending.key,
            )
            # A paced session posts only what is due; the timetable arms the rest.
            parts = service.due_parts(circle.chat_id, now)
            await post_and_retry(app, circle.chat_id, parts=parts)


async def rearm(app: Application, chat_id: int) -> None:
    """(Re)arm the circle's timetable from the database; see bot/telegram/timetable.py."""
    timetable = app.bot_data.get("timetable")
    if timetable is not None:
        await timetable.arm(chat_id)


def disarm(app: Application, chat_id: int) -> None:
    """Remove every job of the circle, its retry included (finished, stopped, moved)."""
    cancel_retry(app, chat_id)
    timetable = app.bot_data.get("timetable")
    if timetable is not None:
        timetable.disarm(chat_id)


def describe_next(app: Application, chat_id: int) -> str:
    timetable = app.bot_data.get("timetable")
    if timetable is not None:
        return timetable.describe_next(chat_id)
    return "none (post with /next)"
