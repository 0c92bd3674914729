"""Typed access for every handler and job (PTB `ContextTypes`), and the few helpers they share.

`BotData` is the application's `bot_data`: the engine, the store, the configuration, the
injected clock and what the Telegram layer keeps per chat in memory. `CircleContext` gives
handlers `context.circles`, `context.now()` and the rest with types, instead of string keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.circles import Circles
from bot.config import Config
from bot.exchange import Exchange
from bot.store import Store
from bot.telegram.acks import AckQueue
from bot.text import fit
from bot.text import members as member_text
from bot.throttle import Ledger


class BotData:
    """Everything the bot's handlers and jobs share (one per Application)."""

    def __init__(self) -> None:
        self.config: Config
        self.circles: Circles
        self.clock: Callable[[], datetime]
        self.timetable: Any = None  # bot.telegram.timetable.Timetable, set by the app
        self.receiver: Any = None  # bot.telegram.receiving.Receiver, set by the app
        self.acks: AckQueue  # the 👍 on each answer, sent in the background
        # Per chat, in memory only: a lock so /next, a session and a retry never post at once,
        # and the last post Telegram refused (for /status).
        self.posting_locks: dict[int, asyncio.Lock] = {}
        self.post_failures: dict[int, tuple[datetime, str]] = {}
        self.throttle = Ledger()  # commands per member, to answer floods once (bot/throttle.py)
        # The console (bot/telegram/console.py): when a member was last refused, per (chat,
        # user); a private command waiting for its group to be chosen; confirmations asked.
        self.refused: dict[tuple[int, int], datetime] = {}
        self.console_pending: dict[int, tuple[Any, list[str]]] = {}
        self.confirmations: dict[str, Any] = {}
        # Each member's own language (a catalog locale) from their last update's
        # `language_code`: private messages sent by jobs speak it (bot/telegram/language.py).
        self.languages: dict[int, str] = {}

    @property
    def store(self) -> Store:
        return self.circles.store

    @property
    def exchanges(self) -> Mapping[str, Exchange]:
        return self.circles.exchanges

    def now(self) -> datetime:
        """The injected clock: tests replace it; nothing below the handlers reads the time."""
        return self.clock()


class CircleContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """`context` in every handler and job of this bot. `target` is set for organizer commands
    by bot/telegram/console.py: the group the command is about and where replies go."""

    target: Any = None

    @property
    def data(self) -> BotData:
        return self.bot_data

    @property
    def circles(self) -> Circles:
        return self.bot_data.circles

    @property
    def config(self) -> Config:
        return self.bot_data.config

    def now(self) -> datetime:
        return self.bot_data.now()


CONTEXT_TYPES = ContextTypes(context=CircleContext, bot_data=BotData)
Handler = Callable[[Update, CircleContext], Awaitable[None]]


async def reply(message: Message, html: str, **kwargs: Any) -> Message:
    """Answer in the same chat (and forum topic) as `message`; HTML and no quote come from
    the application's `Defaults`."""
    return await message.reply_text(fit(html), **kwargs)


def actor(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None


async def ask_for_private_chat(
    message: Message, context: CircleContext, command: str, chat_id: int | None = None
) -> None:
    """Bots may not open a private chat: the member presses Start once; the deep link carries
    the purpose and the group (`?start=mine--100123`), so the job is finished there."""
    payload = command if chat_id is None else f"{command}-{chat_id}"
    link = f"https://t.me/{context.bot.username}?start={payload}"
    button = InlineKeyboardButton(member_text.open_private_chat(), url=link)
    await reply(
        message,
        member_text.press_start(command),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


def display_name(message: Message) -> str:
    if message.sender_chat is not None:
        return message.sender_chat.title or member_text.anonymous_admin()
    user = message.from_user
    return user.full_name if user else member_text.someone()
