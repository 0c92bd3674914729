"""/export: the minutes as a file, sent to the organizer in private and never to the group.

The minutes hold every member's answers, so they only ever go to a private chat.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import Forbidden

from bot.export import load_minutes
from bot.minutes_format import filename, normalize_format, render
from bot.model import Refusal
from bot.telegram.context import CircleContext, ask_for_private_chat, organizers_only, reply
from bot.telegram.language import member_language
from bot.text import current, speaking
from bot.text import export as text

log = logging.getLogger(__name__)


def parse_args(args: list[str]) -> tuple[int | None, str] | None:
    """`[run] [format]` in either order -> (run number or None, format); None if malformed."""
    run: int | None = None
    fmt: str | None = None
    for arg in args:
        if arg.isdecimal() and arg.isascii() and len(arg) <= 6 and run is None and int(arg) > 0:
            run = int(arg)
        elif normalize_format(arg) and fmt is None:
            fmt = normalize_format(arg)
        else:
            return None
    return run, fmt or "markdown"


@organizers_only
async def export(update: Update, context: CircleContext) -> None:
    """Send the circle's minutes (a run, as md, csv or json) to the organizer privately."""
    message = update.effective_message
    user = message.from_user
    # An anonymous admin's message comes "from the group" (sender_chat is the chat itself) and
    # from_user is a placeholder bot: there is no person to write to.
    if message.sender_chat is not None or user is None:
        await reply(message, text.anonymous())
        return
    parsed = parse_args(context.args or [])
    if parsed is None:
        await reply(message, text.usage())
        return
    run, fmt = parsed
    data = context.bot_data
    minutes = load_minutes(data.store, data.exchanges, message.chat_id, run)
    if isinstance(minutes, Refusal):
        await reply(message, escape(minutes.message))
        return
    # The minutes are the circle's record, in its language; the caption is a private
    # message, in the organizer's own language when the bot has it.
    document = render(minutes, fmt).encode("utf-8")
    with speaking(member_language(user, current())):
        caption = text.caption(minutes.exchange_title, minutes.run_number, message.chat.title or "")
    try:
        await context.bot.send_document(
            user.id, document=document, filename=filename(minutes, fmt), caption=caption
        )
    except Forbidden:
        # Never posted in the group instead: members' answers are not for everyone's download.
        await ask_for_private_chat(message, context, "export")
        return
    log.info(
        "chat=%s user=%s exported run %s as %s (%s answers)",
        message.chat_id,
        user.id,
        minutes.run_number,
        fmt,
        minutes.answer_count,
    )
    await reply(message, text.sent())
