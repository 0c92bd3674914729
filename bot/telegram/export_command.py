"""/export: the minutes as a file, sent to the organizer in private and never to the group.

The minutes hold every member's answers, so they only ever go to a private chat.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import Forbidden

from bot.circle import Refusal
from bot.export import load_minutes
from bot.minutes_format import filename, normalize_format, render
from bot.telegram.context import Context, answer, ask_for_private_chat, organizers_only, service

log = logging.getLogger(__name__)

USAGE = (
    "Usage: <code>/export [run] [md|csv|json]</code>, for example <code>/export</code> "
    "(current run, Markdown) or <code>/export 2 csv</code>."
)
ANONYMOUS = (
    "You are posting anonymously (as the group), so I can't send you the minutes privately. "
    "Send /export from your own account."
)
SENT = "I sent the minutes to you privately."


def parse_args(args: list[str]) -> tuple[int | None, str] | None:
    """`[run] [format]` in either order -> (run number or None, format); None if malformed."""
    run: int | None = None
    fmt: str | None = None
    for arg in args:
        if arg.isdecimal() and arg.isascii() and run is None and int(arg) > 0:
            run = int(arg)
        elif normalize_format(arg) and fmt is None:
            fmt = normalize_format(arg)
        else:
            return None
    return run, fmt or "markdown"


@organizers_only
async def export(update: Update, context: Context) -> None:
    """Send the circle's minutes (a run, as md, csv or json) to the organizer privately."""
    message = update.effective_message
    user = message.from_user
    # An anonymous admin's message comes "from the group" (sender_chat is the chat itself) and
    # from_user is a placeholder bot: there is no person to write to.
    if message.sender_chat is not None or user is None:
        await answer(message, ANONYMOUS)
        return
    parsed = parse_args(context.args or [])
    if parsed is None:
        await answer(message, USAGE)
        return
    run, fmt = parsed
    circles = service(context)
    minutes = load_minutes(circles.store, circles.exchanges, message.chat_id, run)
    if isinstance(minutes, Refusal):
        await answer(message, escape(minutes.message))
        return
    try:
        await context.bot.send_document(
            user.id,
            document=render(minutes, fmt).encode("utf-8"),
            filename=filename(minutes, fmt),
            caption=f"Minutes of {minutes.exchange_title}, run {minutes.run_number}, "
            f"in {message.chat.title or 'your group'}",
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
    await answer(message, SENT)
