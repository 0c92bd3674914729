"""/language: shows the circle's language; `/language de` changes it (organizers, in the group
or from the console in private). Which language each update speaks is bot/telegram/language.py.
"""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.model import Refusal, load_circle
from bot.telegram.console import organizers_only
from bot.telegram.context import CircleContext
from bot.text import CODES, LANGUAGES, supported
from bot.text import circle as circle_text
from bot.text import language as text


def codes() -> list[str]:
    return list(CODES.values())


@organizers_only
async def language(update: Update, context: CircleContext) -> None:
    """/language shows the circle's language; /language de changes it (organizers)."""
    target = context.target
    args = context.args or []
    circle = load_circle(context.bot_data.store, target.chat_id)
    if circle is None:
        await target.reply(escape(circle_text.no_circle()))
        return
    if not args:
        await target.reply(text.shown(LANGUAGES[target.group_language], codes()))
        return
    chosen = supported(args[0]) if len(args) == 1 else None
    if chosen is None:
        await target.reply(text.unknown(" ".join(args), codes()))
        return
    result = context.circles.set_language(target.chat_id, chosen, context.now(), target.user_id)
    if isinstance(result, Refusal):
        await target.reply(escape(result.message))
        return
    target.group_language = chosen
    target.speak()  # the rest of this update, this reply included, speaks it where it goes
    await target.reply(text.changed(LANGUAGES[chosen]))
