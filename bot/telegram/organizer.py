"""Organizer commands: start, post, pause, resume, skip, goto, stop, restart, status."""

from __future__ import annotations

from html import escape

from telegram import Message, Update

from bot.circle import CircleInfo, Refusal
from bot.telegram import sessions
from bot.telegram.context import (
    Context,
    answer,
    config,
    now,
    organizers_only,
    service,
)

GOTO_USAGE = "Usage: <code>/goto N</code> with a point number, for example <code>/goto 3</code>."
START_USAGE = (
    "Usage: <code>/circle_start [exchange]</code>, for example <code>/circle_start</code> "
    "or <code>/circle_start {example}</code>."
)

# An argument given to a command that takes none probably meant another command.
NO_ARGUMENT_HINTS = {"skip": "; to jump to a point use <code>/goto 3</code>"}


def _actor(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None


def _thread(message: Message) -> int | None:
    # Only a forum topic pins the circle to a thread; a plain reply chain is not a topic.
    return message.message_thread_id if message.is_topic_message else None


async def _takes_no_argument(message: Message, context: Context, command: str) -> bool:
    """Refuse `/skip 3` and the like in one line rather than run the command regardless."""
    if not context.args:
        return False
    hint = NO_ARGUMENT_HINTS.get(command, "")
    await answer(message, f"/{command} takes no argument{hint}.")
    return True


async def _refused_or(message: Message, result: CircleInfo | Refusal, text: str) -> bool:
    if isinstance(result, Refusal):
        await answer(message, escape(result.message))
        return False
    await answer(message, text)
    return True


@organizers_only
async def circle_start(update: Update, context: Context) -> None:
    """Start a circle in this group with an exchange (the configured default if none)."""
    message = update.effective_message
    args = context.args or []
    if len(args) > 1:
        example = escape(config(context).default_exchange)
        await answer(message, START_USAGE.format(example=example))
        return
    exchange_id = args[0] if args else config(context).default_exchange
    result = service(context).start(
        message.chat_id,
        exchange_id,
        now(context),
        _actor(message),
        thread_id=_thread(message),
        timezone=config(context).timezone,
    )
    if isinstance(result, Refusal):
        await answer(message, escape(result.message))
        return
    exchange = service(context).exchanges[result.exchange_id]
    await answer(
        message,
        f"📖 <b>{escape(exchange.title)}</b>\n"
        f"A circle of {len(exchange.points)} points has started (run {result.run_number}).\n\n"
        "Post the first point now with /next, or set a timetable, for example "
        "<code>/schedule tue,thu 19:00</code>. Members answer by replying to the bot's messages; "
        "/help explains.",
    )
    await sessions.rearm(context.application, message.chat_id)


@organizers_only
async def next_point(update: Update, context: Context) -> None:
    """Post the current point now (or the next one if the current point is already out)."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "next"):
        return
    await sessions.run_session(context.application, message.chat_id, reply_to=message)


@organizers_only
async def pause(update: Update, context: Context) -> None:
    """Pause: nothing is posted until /resume; the schedule is kept."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "pause"):
        return
    result = service(context).pause(message.chat_id, now(context), _actor(message))
    await _refused_or(message, result, "⏸ Paused. The schedule is kept; /resume to continue.")


@organizers_only
async def resume(update: Update, context: Context) -> None:
    """Resume a paused circle and re-arm its schedule."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "resume"):
        return
    result = service(context).resume(message.chat_id, now(context), _actor(message))
    if await _refused_or(message, result, "▶️ Resumed."):
        await sessions.rearm(context.application, message.chat_id)


@organizers_only
async def skip(update: Update, context: Context) -> None:
    """Skip the current point without posting the rest of it."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "skip"):
        return
    chat_id, app = message.chat_id, context.application
    before = service(context).status(chat_id, now(context))
    result = service(context).skip(chat_id, now(context), _actor(message))
    if isinstance(result, Refusal):
        await answer(message, escape(result.message))
        return
    sessions.cancel_retry(app, chat_id)  # a retry of the skipped point must not post the next
    # A point that was fully out is closed by moving on, as a session closes it: digest.
    closed = None
    if not isinstance(before, Refusal) and before.point_posted:
        closed = before.point_number - 1
    if result.state == "finished":
        await answer(message, "⏭ Skipped.")
        await sessions.finish(app, chat_id, closed)
        return
    await answer(message, f"⏭ Skipped. Point {result.point_number} is next: /next posts it now.")
    if closed is not None:
        await sessions.post_digest(app, chat_id, closed)


@organizers_only
async def goto(update: Update, context: Context) -> None:
    """Make point N the current one; /next then posts it (again, if it was posted before)."""
    message = update.effective_message
    args = context.args or []
    if len(args) != 1 or not args[0].isdecimal() or not args[0].isascii():
        await answer(message, GOTO_USAGE)
        return
    result = service(context).goto(message.chat_id, int(args[0]), now(context), _actor(message))
    if not isinstance(result, Refusal):
        sessions.cancel_retry(context.application, message.chat_id)
        then = "/resume, then /next posts it" if result.state == "paused" else "/next posts it"
        await answer(message, f"↪️ Point {result.point_number} is now current: {then}.")
        return
    await answer(message, escape(result.message))


@organizers_only
async def circle_stop(update: Update, context: Context) -> None:
    """Stop the circle; answers are kept and /restart begins a new run."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "circle_stop"):
        return
    result = service(context).stop(message.chat_id, now(context), _actor(message))
    if await _refused_or(
        message, result, "⏹ The circle is stopped. Answers are kept; /restart begins a new run."
    ):
        sessions.disarm(context.application, message.chat_id)


@organizers_only
async def restart(update: Update, context: Context) -> None:
    """Begin a new run from point 1; earlier answers stay with their run."""
    message = update.effective_message
    args = context.args or []
    exchange_id = args[0] if len(args) == 1 else None
    if len(args) > 1:
        await answer(
            message,
            "Usage: <code>/restart [exchange]</code>, for example <code>/restart</code> or "
            f"<code>/restart {escape(config(context).default_exchange)}</code>.",
        )
        return
    result = service(context).restart(message.chat_id, now(context), _actor(message), exchange_id)
    if not isinstance(result, Refusal):
        sessions.cancel_retry(context.application, message.chat_id)
        await answer(
            message,
            f"🔁 Run {result.run_number} begins at point 1. Earlier answers are kept with their "
            "run. /next posts the first point.",
        )
        await sessions.rearm(context.application, message.chat_id)
        return
    await answer(message, escape(result.message))


@organizers_only
async def status(update: Update, context: Context) -> None:
    """Exchange, point k/n, state, next scheduled post, who has answered."""
    message = update.effective_message
    if await _takes_no_argument(message, context, "status"):
        return
    result = service(context).status(message.chat_id, now(context))
    if isinstance(result, Refusal):
        await answer(message, escape(result.message))
        return
    lines = [
        f"📖 <b>{escape(result.exchange_title)}</b> (run {result.run_number})",
        f"Point {result.point_number}/{result.point_count}: {escape(result.point_title)}",
        f"State: {result.state}"
        + ("" if result.point_posted or result.state != "running" else " (point not posted yet)"),
        f"Next scheduled post: {sessions.describe_next(context.application, message.chat_id)}",
        f"Answers on this point: {result.answer_count}",
    ]
    failure = sessions.last_failure(context.application, message.chat_id)
    if failure is not None:
        lines.append(f"⚠️ Last post failed, {escape(failure)}. /next tries again.")
    if result.answered:
        lines.append("Answered: " + escape(", ".join(result.answered)))
    if result.not_answered:
        lines.append("Not yet: " + escape(", ".join(result.not_answered)))
    await answer(message, "\n".join(lines))
