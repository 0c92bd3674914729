"""Organizer commands: start, post, pause, resume, skip, goto, stop, restart, status, nudge.

Each parses its arguments, asks the engine, replies with what happened and arms or disarms
the circle's jobs as the result says. Nothing here decides what a command changes. Replies go
through `context.target` (bot/telegram/console.py): privately when the organizer has a private
chat, otherwise in the group. /restart and /circle_stop ask first, with buttons only the
organizer who asked can press.
"""

from __future__ import annotations

import secrets
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import reads
from bot.model import PAUSED, Refusal, load_circle
from bot.sessions import open_session
from bot.telegram import polls, sending
from bot.telegram.console import Target, organizers_only
from bot.telegram.context import CircleContext
from bot.telegram.language import speak_about
from bot.telegram.nudges import send_nudges
from bot.telegram.permissions import administrators
from bot.telegram.timetable import timetable
from bot.text import circle as circle_text
from bot.text import console as console_text
from bot.text import current, speaking
from bot.text import members as member_text
from bot.text import organizer as text
from bot.text import points as point_text
from bot.text import posts as post_text


async def _takes_no_argument(target: Target, context: CircleContext, command: str) -> bool:
    """Refuse `/skip 3` and the like in one line rather than run the command regardless."""
    if not context.args:
        return False
    hint = text.skip_hint() if command == "skip" else ""
    await target.reply(member_text.takes_no_argument(command, hint))
    return True


@organizers_only
async def circle_start(update: Update, context: CircleContext) -> None:
    """Start a circle in this group with an exchange (the configured default if none)."""
    target, config = context.target, context.config
    args = context.args or []
    if len(args) > 1:
        await target.reply(text.start_usage(config.default_exchange))
        return
    result = context.circles.start(
        target.chat_id,
        args[0] if args else config.default_exchange,
        context.now(),
        target.user_id,
        thread_id=target.thread_id,
        timezone=config.timezone,
    )
    if isinstance(result, Refusal):
        await target.reply(escape(result.message))
        return
    target.relearn()  # a new circle: its exchange's language
    exchange = context.circles.exchanges[result.exchange_id]
    started = text.started(exchange.title, len(exchange.points), result.run_number)
    sources = point_text.sources(exchange)
    await target.reply(f"{started}\n\n{sources}" if sources else started)
    await timetable(context.application).arm(target.chat_id)


@organizers_only
async def next_point(update: Update, context: CircleContext) -> None:
    """Post the current point now (or the next one if the current point is already out)."""
    target = context.target
    if await _takes_no_argument(target, context, "next"):
        return
    data, now = context.bot_data, context.now()
    table = timetable(context.application)
    plan = open_session(data.store, data.exchanges, target.chat_id, now, table.grace)
    if isinstance(plan, Refusal):
        await target.reply(escape(plan.message))
        return
    result = await table.execute(plan)
    if result is not None and (result.error or result.retry_after is not None):
        # The organizer asked for this post: say what happened rather than stay silent.
        await target.reply(text.post_problem(result.error, result.retry_after))
    elif plan.claimed is not None:
        today = plan.claimed.date() == now.astimezone(plan.claimed.tzinfo).date()
        await target.reply(text.counts_as(plan.claimed, today))


@organizers_only
async def pause(update: Update, context: CircleContext) -> None:
    """Pause: nothing is posted until /resume; the schedule is kept."""
    target = context.target
    if await _takes_no_argument(target, context, "pause"):
        return
    result = context.circles.pause(target.chat_id, context.now(), target.user_id)
    await target.reply(escape(result.message) if isinstance(result, Refusal) else text.paused())


@organizers_only
async def resume(update: Update, context: CircleContext) -> None:
    """Resume a paused or stopped circle where it was, and re-arm its schedule."""
    target = context.target
    if await _takes_no_argument(target, context, "resume"):
        return
    result = context.circles.resume(target.chat_id, context.now(), target.user_id)
    if isinstance(result, Refusal):
        await target.reply(escape(result.message))
        return
    await target.reply(text.resumed())
    await timetable(context.application).arm(target.chat_id)


@organizers_only
async def skip(update: Update, context: CircleContext) -> None:
    """Skip the current point without posting the rest of it."""
    target = context.target
    if await _takes_no_argument(target, context, "skip"):
        return
    chat_id, table = target.chat_id, timetable(context.application)
    result = context.circles.skip(chat_id, context.now(), target.user_id)
    if isinstance(result, Refusal):
        await target.reply(escape(result.message))
        return
    sending.cancel_retry(context.application, chat_id)  # a retry must not post the next point
    circle = result.circle
    if result.finished:
        await target.reply(text.skipped())
    else:
        await target.reply(text.skipped_to(circle.point_number))
    # The closed point's poll stops first, so its digest shows the final result.
    closed = await polls.stop_stale(context.application, chat_id, result.closed)
    if closed is not None:
        await table.tell(chat_id, post_text.digest(closed, circle.thread_id), circle.thread_id)
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
    target = context.target
    args = context.args or []
    if len(args) != 1 or not args[0].isdecimal() or not args[0].isascii() or len(args[0]) > 4:
        await target.reply(text.goto_usage())
        return
    result = context.circles.goto(target.chat_id, int(args[0]), context.now(), target.user_id)
    if isinstance(result, Refusal):
        await target.reply(escape(result.message))
        return
    sending.cancel_retry(context.application, target.chat_id)
    timetable(context.application).arm_pacing(result)
    await target.reply(text.now_current(result.point_number, result.state == PAUSED))
    # The point left behind keeps no live poll; /next posts a fresh one for point N.
    await polls.stop_stale(context.application, target.chat_id)


async def _ask(target: Target, context: CircleContext, question: str, action: tuple) -> None:
    """Ask before acting; the answer comes back through `confirm_button`."""
    token = secrets.token_hex(4)
    context.bot_data.confirmations[token] = (target.user_id, target.chat_id, *action)
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(console_text.confirm_yes(), callback_data=f"confirm:{token}"),
                InlineKeyboardButton(console_text.confirm_no(), callback_data=f"cancel:{token}"),
            ]
        ]
    )
    await target.reply(question, reply_markup=buttons)


@organizers_only
async def circle_stop(update: Update, context: CircleContext) -> None:
    """Ask, then stop the circle; answers are kept and /resume continues where it was."""
    target = context.target
    if await _takes_no_argument(target, context, "circle_stop"):
        return
    circle = load_circle(context.bot_data.store, target.chat_id)
    if circle is None or not circle.active:
        result = context.circles.stop(target.chat_id, context.now(), target.user_id)
        stopped = escape(result.message) if isinstance(result, Refusal) else text.stopped()
        await target.reply(stopped)
        return
    await _ask(target, context, console_text.confirm_stop(), ("stop", None))


@organizers_only
async def restart(update: Update, context: CircleContext) -> None:
    """Ask, then begin a new run from point 1; earlier answers stay with their run."""
    target = context.target
    args = context.args or []
    if len(args) > 1:
        await target.reply(text.restart_usage(context.config.default_exchange))
        return
    circle = load_circle(context.bot_data.store, target.chat_id)
    if circle is None:
        await target.reply(escape(circle_text.no_circle()))
        return
    question = console_text.confirm_restart(circle.run_number + 1)
    await _ask(target, context, question, ("restart", args[0] if args else None))


async def confirm_button(update: Update, context: CircleContext) -> None:
    """Yes or Cancel under a /restart or /circle_stop question: only its asker may answer."""
    query = update.callback_query
    choice, _, token = (query.data or "").partition(":")
    asked = context.bot_data.confirmations.get(token)
    if asked is None:
        await query.answer(console_text.confirm_expired(), show_alert=True)
        return
    user_id, chat_id, action, exchange_id = asked
    private = query.message is not None and query.message.chat.type == query.message.chat.PRIVATE
    speak_about(context, chat_id, query.from_user if private else None)
    if query.from_user.id != user_id:
        await query.answer(console_text.confirm_not_yours(), show_alert=True)
        return
    await query.answer()
    del context.bot_data.confirmations[token]
    if choice != "confirm":
        await query.edit_message_text(console_text.cancelled())
        return
    now, app = context.now(), context.application
    if action == "stop":
        result = context.circles.stop(chat_id, now, user_id)
    else:
        result = context.circles.restart(chat_id, now, user_id, exchange_id)
    if isinstance(result, Refusal):
        await query.edit_message_text(escape(result.message))
        return
    speak_about(context, chat_id, query.from_user if private else None)  # a new exchange's
    done = text.stopped() if action == "stop" else text.restarted(result.run_number)
    sending.cancel_retry(app, chat_id)
    await polls.stop_stale(app, chat_id)
    if action == "stop":
        timetable(app).disarm(chat_id)
    else:
        await timetable(app).arm(chat_id)
    await query.edit_message_text(done)


async def status_text(
    context: CircleContext, chat_id: int, private: str | None = None, group: str | None = None
) -> tuple[str, str] | str:
    """/status with names (in the `private` language: it is sent privately), and the same
    without them for the group (in the `group` language); or a refusal's text."""
    data = context.bot_data
    organizers = await administrators(context.bot, chat_id) | set(context.config.organizer_ids)
    result = reads.status(data.store, data.exchanges, chat_id, context.now(), organizers)
    if isinstance(result, Refusal):
        return escape(result.message)
    failure = sending.last_failure(data, chat_id)
    with speaking(private or current()):
        known = console_text.members_known(result.known, result.source)
        full = text.status(result, failure, known)
    with speaking(group or current()):
        short = text.status(result, failure, None)
        short += "\n" + console_text.status_in_group(len(result.answered), result.known)
    return full, short


@organizers_only
async def status(update: Update, context: CircleContext) -> None:
    """Exchange, point k/n, state, next post, answered / not yet: the names only privately."""
    target = context.target
    if await _takes_no_argument(target, context, "status"):
        return
    languages = target.private_language, target.group_language
    texts = await status_text(context, target.chat_id, *languages)
    if isinstance(texts, str):
        await target.reply(texts)
        return
    full, short = texts
    if target.in_private:
        await target.reply(full)
    else:
        await target.reply_names(full, short)


@organizers_only
async def nudge(update: Update, context: CircleContext) -> None:
    """One private reminder to the members who asked for one and have not answered yet."""
    target = context.target
    if await _takes_no_argument(target, context, "nudge"):
        return
    sent = await send_nudges(context, target.chat_id, "organizer")
    await target.reply(console_text.nudged(sent))
