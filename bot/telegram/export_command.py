"""/export: the minutes as a file, sent to the organizer in private and never to the group.

The minutes hold every member's answers, so they only ever go to a private chat.
"""

from __future__ import annotations

import io
import logging
import tempfile
from html import escape

from telegram import Update
from telegram.error import Forbidden

from bot.export import Minutes
from bot.minutes_format import filename, normalize_format, write_minutes
from bot.model import Refusal
from bot.telegram.console import chat_title, organizers_only
from bot.telegram.context import CircleContext, ask_for_private_chat, reply
from bot.telegram.language import private_language
from bot.text import export as text
from bot.text import speaking

log = logging.getLogger(__name__)

SPOOL_BYTES = 1 << 20


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


async def send_minutes(
    context: CircleContext, user_id: int, chat_id: int, run: int | None, fmt: str
) -> Minutes | Refusal | None:
    """Send a run's minutes of the chat's circle to `user_id` privately: the minutes sent, why
    there are none, or None when the user has no private chat with the bot."""
    data = context.bot_data
    # Written as it is read (a file that moves to disk when large), never built up as Python
    # objects; the upload itself needs the file's bytes once.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spooled:
        writer = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
        minutes = write_minutes(data.store, writer, chat_id, run, fmt, data.exchanges)
        writer.flush()
        writer.detach()
        if isinstance(minutes, Refusal):
            return minutes
        spooled.seek(0)
        title = await chat_title(context, chat_id)
        # The minutes are the circle's record, in its language (write_minutes); the caption is
        # a private message, in the organizer's own language when the bot has it.
        with speaking(private_language(data, user_id, chat_id)):
            caption = text.caption(minutes.exchange_title, minutes.run_number, title)
        try:
            await context.bot.send_document(
                user_id,
                document=spooled.read(),
                filename=filename(minutes, fmt),
                caption=caption,
            )
        except Forbidden:
            return None
    log.info(
        "chat=%s user=%s exported run %s as %s (%s answers)",
        chat_id,
        user_id,
        minutes.run_number,
        fmt,
        minutes.answer_count,
    )
    return minutes


@organizers_only
async def export(update: Update, context: CircleContext) -> None:
    """Send the circle's minutes (a run, as md, html, csv or json) to the organizer privately."""
    target = context.target
    message = target.message
    # An anonymous admin's message comes "from the group" (sender_chat is the chat itself) and
    # from_user is a placeholder bot: there is no person to write to.
    if target.user_id is None:
        await reply(message, text.anonymous())
        return
    parsed = parse_args(context.args or [])
    if parsed is None:
        await target.reply(text.usage())
        return
    run, fmt = parsed
    sent = await send_minutes(context, target.user_id, target.chat_id, run, fmt)
    if isinstance(sent, Refusal):
        await target.reply(escape(sent.message))
    elif sent is None:
        # Never posted in the group instead: members' answers are not for everyone's download.
        await ask_for_private_chat(message, context, "export", target.chat_id)
    else:
        # The document speaks for itself: the group sees a 👌 on the command, nothing more.
        await target.acknowledge()
