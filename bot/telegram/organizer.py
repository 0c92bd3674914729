"""Organizer commands: start, post, pause, resume, skip, goto, stop, restart, status.

Each parses its arguments, asks the engine, replies with what happened and arms or disarms
the circle's jobs as the result says. Nothing here decides what a command changes.
"""

from __future__ import annotations

from html import escape

from telegram import Message, Update

from bot import reads
from bot.model import PAUSED, Refusal
from bot.sessions import open_session
from bot.telegram import sending
from bot.telegram.context import CircleContext, actor, organizers_only, reply
from bot.telegram.language import speak_circles_language
from bot.telegram.timetable import timetable
from bot.text import members as member_text
from bot.text import organizer as text
from bot.text import points as point_text
from bot.text import posts as post_text


def _thread(message: Message) -> int | None:
    # Only a forum topic pins the circle to a thread; a plain reply chain is not a topic.
    return message.message_thread_id if message.is_topic_message else None


async def _takes_no_argument(message: Message, context: CircleContext, command: str) -> bool:
    """Refuse `/skip 3` and the like in one line rather than run the command regardless."""
    if not context.args:
        return False
    hint = text.skip_hint() if command == "skip" else ""
    await reply(message, member_text.takes_no_argument(command, hint))
    return True


@organizers_only
async def circle_start(update: Update, context: CircleContext) -> None:
    """Start a circle in this group with an exchange (the configured default if none)."""
    message, config = update.effective_message, context.config
    args = context.args or []
    if len(args) > 1:
        await reply(message, text.start_usage(config.default_exchange))
        return
    result = context.circles.start(
        message.chat_id,
        args[0] if args else config.default_exchange,
        context.now(),
        actor(message),
        thread_id=_thread(message),
        timezone=config.timezone,
    )
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    speak_circles_language(context, message.chat_id)  # a new circle: its exchange's language
    exchange = context.circles.exchanges[result.exchange_id]
    started = text.started(exchange.title, len(exchange.points), result.run_number)
    sources = point_text.sources(exchange)
    await reply(message, f"{started}\n\n{sources}" if sources else started)
    await timetable(context.application).arm(message.chat_id)


@organizers_only
async def next_point(update: Update, context: CircleContext) -> None:
    """Post the current point now (or the next one if the current point is already out)."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "next"):
        return
    data, now = context.bot_data, context.now()
    table = timetable(context.application)
    plan = open_session(data.store, data.exchanges, message.chat_id, now, table.grace)
    if isinstance(plan, Refusal):
        await reply(message, escape(plan.message))
        return
    result = await table.execute(plan)
    if result is not None and (result.error or result.retry_after is not None):
        # The organizer asked for this post: say what happened rather than stay silent.
        await reply(message, text.post_problem(result.error, result.retry_after))
    elif plan.claimed is not None:
        today = plan.claimed.date() == now.astimezone(plan.claimed.tzinfo).date()
        await reply(message, text.counts_as(plan.claimed, today))


@organizers_only
async def pause(update: Update, context: CircleContext) -> None:
    """Pause: nothing is posted until /resume; the schedule is kept."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "pause"):
        return
    result = context.circles.pause(message.chat_id, context.now(), actor(message))
    await reply(message, escape(result.message) if isinstance(result, Refusal) else text.paused())


@organizers_only
async def resume(update: Update, context: CircleContext) -> None:
    """Resume a paused circle and re-arm its schedule."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "resume"):
        return
    result = context.circles.resume(message.chat_id, context.now(), actor(message))
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    await reply(message, text.resumed())
    await timetable(context.application).arm(message.chat_id)


@organizers_only
async def skip(update: Update, context: CircleContext) -> None:
    """Skip the current point without posting the rest of it."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "skip"):
        return
    chat_id, table = message.chat_id, timetable(context.application)
    result = context.circles.skip(chat_id, context.now(), actor(message))
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    sending.cancel_retry(context.application, chat_id)  # a retry must not post the next point
    circle = result.circle
    if result.finished:
        await reply(message, text.skipped())
    else:
        await reply(message, text.skipped_to(circle.point_number))
    if result.closed is not None:
        await table.tell(
            chat_id, post_text.digest(result.closed, circle.thread_id), circle.thread_id
        )
    if result.finished:
        table.disarm(chat_id)
        exchange = context.circles.exchanges.get(circle.exchange_id)
        title = exchange.title if exchange else None
        await table.tell(chat_id, post_text.finished(title), circle.thread_id)
    else:
        table.arm_pacing(circle)


@organizers_only
async def goto(update: Update, context: CircleContext) -> None:
    """Make point N the current one; /next then posts it (again, if it was posted before)."""
    message = update.effective_message
    args = context.args or []
    if len(args) != 1 or not args[0].isdecimal() or not args[0].isascii() or len(args[0]) > 4:
        await reply(message, text.goto_usage())
        return
    result = context.circles.goto(message.chat_id, int(args[0]), context.now(), actor(message))
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    sending.cancel_retry(context.application, message.chat_id)
    timetable(context.application).arm_pacing(result)
    await reply(message, text.now_current(result.point_number, result.state == PAUSED))


@organizers_only
async def circle_stop(update: Update, context: CircleContext) -> None:
    """Stop the circle; answers are kept and /restart begins a new run."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "circle_stop"):
        return
    result = context.circles.stop(message.chat_id, context.now(), actor(message))
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    timetable(context.application).disarm(message.chat_id)
    await reply(message, text.stopped())


@organizers_only
async def restart(update: Update, context: CircleContext) -> None:
    """Begin a new run from point 1; earlier answers stay with their run."""
    message = update.effective_message
    args = context.args or []
    if len(args) > 1:
        await reply(message, text.restart_usage(context.config.default_exchange))
        return
    exchange_id = args[0] if args else None
    result = context.circles.restart(message.chat_id, context.now(), actor(message), exchange_id)
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    sending.cancel_retry(context.application, message.chat_id)
    speak_circles_language(context, message.chat_id)  # the new run's exchange may differ
    await reply(message, text.restarted(result.run_number))
    await timetable(context.application).arm(message.chat_id)


@organizers_only
async def status(update: Update, context: CircleContext) -> None:
    """Exchange, point k/n, state, next scheduled post, who has answered."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "status"):
        return
    data = context.bot_data
    result = reads.status(data.store, data.exchanges, message.chat_id, context.now())
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    await reply(message, text.status(result, sending.last_failure(data, message.chat_id)))
