"""Which language each update and job speaks, and /language.

The language reaches `_()` through the ContextVar of bot/text (`set_language`, `speaking`):

- every update runs inside `LanguageUpdateProcessor`, which starts it in English and restores
  the previous value afterwards, so nothing carries over from one update to the next; PTB runs
  concurrent updates each in its own asyncio task, whose context is its own;
- `choose_language`, a TypeHandler in group -100 (before every other handler), sets the
  update's language: in a group the circle's, in a private chat the member's Telegram
  `language_code` when there is a catalog for it, else the circle they last spoke in;
- jobs run their callback inside `in_circle_language` (the circle of the job's chat);
- a private message sent while handling a group update (/mine, the /export caption) is built
  inside `speaking(member_language(user, ...))`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from html import escape
from typing import Any

from telegram import Chat, Update, User
from telegram.ext import SimpleUpdateProcessor

from bot.exchange import Exchange
from bot.model import Refusal, load_circle
from bot.store import Store
from bot.telegram.context import BotData, CircleContext, actor, organizers_only, reply
from bot.text import CODES, DEFAULT, LANGUAGES, current, set_language, speaking, supported
from bot.text import circle as circle_text
from bot.text import circle_language as spoken_by
from bot.text import language as text


def circle_language(store: Store, exchanges: Mapping[str, Exchange], chat_id: int) -> str:
    """What /language chose for the chat's circle, else its exchange's language, else English."""
    circle = load_circle(store, chat_id)
    if circle is None:
        return DEFAULT
    exchange = exchanges.get(circle.exchange_id)
    return spoken_by(circle.settings.language, exchange.language if exchange else None)


def speak_circles_language(context: CircleContext, chat_id: int) -> None:
    """The rest of this update speaks the circle's language (after /circle_start, /restart)."""
    data = context.bot_data
    set_language(circle_language(data.store, data.exchanges, chat_id))


def member_language(user: User | None, fallback: str) -> str:
    """A member's own Telegram language when the bot has it, else `fallback`."""
    return supported(user.language_code if user else None) or fallback


def _last_circle(data: BotData, user_id: int) -> str:
    """The language of the circle a member last spoke in (for their private chat)."""
    row = data.store.one(
        "SELECT chat_id FROM members WHERE user_id = ? ORDER BY last_seen DESC LIMIT 1",
        [user_id],
    )
    return circle_language(data.store, data.exchanges, row["chat_id"]) if row else DEFAULT


async def choose_language(update: object, context: CircleContext) -> None:
    """Group -100: set the language of this update before any handler runs."""
    if not isinstance(update, Update):
        return
    chat: Chat | None = update.effective_chat
    user, data = update.effective_user, context.bot_data
    if chat is None or chat.type == Chat.PRIVATE:
        own = member_language(user, "")
        set_language(own or (_last_circle(data, user.id) if user else DEFAULT))
    else:
        set_language(circle_language(data.store, data.exchanges, chat.id))


class LanguageUpdateProcessor(SimpleUpdateProcessor):
    """Each update starts in English and leaves the language as it found it."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        with speaking(DEFAULT):
            await coroutine


Job = Callable[[CircleContext], Awaitable[None]]


def in_circle_language(callback: Job) -> Job:
    """A job callback that speaks the language of the circle of its chat."""

    @functools.wraps(callback)
    async def spoken(context: CircleContext) -> None:
        data, chat_id = context.bot_data, context.job.chat_id
        with speaking(circle_language(data.store, data.exchanges, chat_id)):
            await callback(context)

    return spoken


def codes() -> list[str]:
    return list(CODES.values())


@organizers_only
async def language(update: Update, context: CircleContext) -> None:
    """/language shows the circle's language; /language de changes it (organizers)."""
    message = update.effective_message
    args = context.args or []
    circle = load_circle(context.bot_data.store, message.chat_id)
    if circle is None:
        await reply(message, escape(circle_text.no_circle()))
        return
    if not args:
        await reply(message, text.shown(LANGUAGES[current()], codes()))
        return
    chosen = supported(args[0]) if len(args) == 1 else None
    if chosen is None:
        await reply(message, text.unknown(" ".join(args), codes()))
        return
    result = context.circles.set_language(message.chat_id, chosen, context.now(), actor(message))
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    set_language(chosen)  # the rest of this update, this reply included, speaks it
    await reply(message, text.changed(LANGUAGES[chosen]))
