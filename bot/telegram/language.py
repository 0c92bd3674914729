"""Which language each update and job speaks, and /language.

The language reaches `_()` through the ContextVar of bot/text (`set_language`, `speaking`):

- every update runs inside `speaking(update_language(...))` (the update pipeline of
  bot/telegram/updates.py, once the chat's earlier updates are done), which restores the
  previous value afterwards, so nothing carries over from one update to the next; PTB runs
  concurrent updates each in its own asyncio task, whose context is its own;
- `update_language` is, in a group, the circle's; in a private chat the member's Telegram
  `language_code` when there is a catalog for it, else the circle they last spoke in. What
  needs the database is looked up when the first text of the update needs it: an answer,
  which sends only a 👍, never does;
- jobs run their callback inside `in_circle_language` (the circle of the job's chat);
- a private message sent while handling a group update or in a job (/mine, the /export
  caption, an organizer's reply routed privately by the console's `Target`, nudges, catch-up)
  is built inside `speaking(...)` of `member_language(user, ...)` or `private_language(...)`:
  the member's Telegram `language_code` when the bot has a catalog for it (noted in memory
  from each update of theirs), else the circle's.

/language itself is bot/telegram/language_command.py (it needs the console, which needs this).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable

from telegram import Chat, Update, User

from bot.model import circle_language
from bot.telegram.context import BotData, CircleContext
from bot.text import DEFAULT, set_language, speaking, supported


def speak_about(context: CircleContext, chat_id: int, user: User | None = None) -> None:
    """The rest of this update speaks the language of the chat's circle (after /circle_start or
    /restart it may be new); with `user`, a private chat: that member's own when the bot has it.
    """
    data = context.bot_data
    spoken = circle_language(data.store, data.exchanges, chat_id)
    set_language(member_language(user, spoken) if user is not None else spoken)


def member_language(user: User | None, fallback: str) -> str:
    """A member's own Telegram language when the bot has it, else `fallback`."""
    return supported(user.language_code if user else None) or fallback


def private_language(data: BotData, user_id: int, chat_id: int) -> str:
    """A private message to a member about a circle (a job's nudge, a catch-up point): their own
    Telegram language when the bot has seen it, else the circle's."""
    own = data.languages.get(user_id)
    return own or circle_language(data.store, data.exchanges, chat_id)


def _last_circle(data: BotData, user_id: int) -> str:
    """The language of the circle a member last spoke in (for their private chat)."""
    row = data.store.one(
        "SELECT chat_id FROM members WHERE user_id = ? ORDER BY last_seen DESC LIMIT 1",
        [user_id],
    )
    return circle_language(data.store, data.exchanges, row["chat_id"]) if row else DEFAULT


def update_language(update: object, data: BotData) -> str | Callable[[], str]:
    """The language an update is handled in (and its sender's own, noted for later): a
    member's own at once; a circle's is looked up when the first text needs it (an answer
    sends none)."""
    if not isinstance(update, Update):
        return DEFAULT
    chat: Chat | None = update.effective_chat
    user = update.effective_user
    own = member_language(user, "")
    if user is not None and own:
        data.languages[user.id] = own  # for private messages sent later, from a job
    private = chat is None or chat.type == Chat.PRIVATE
    if private and (own or user is None):
        return own or DEFAULT

    def looked_up() -> str:
        try:
            if private:
                return _last_circle(data, user.id)  # type: ignore[union-attr]
            return circle_language(data.store, data.exchanges, chat.id)  # type: ignore[union-attr]
        except sqlite3.Error:
            # The handlers meet the fault too and the update is handled again (receiving.py).
            return DEFAULT

    return looked_up


Job = Callable[[CircleContext], Awaitable[None]]


def in_circle_language(callback: Job) -> Job:
    """A job callback that speaks the language of the circle of its chat."""

    @functools.wraps(callback)
    async def spoken(context: CircleContext) -> None:
        data, chat_id = context.bot_data, context.job.chat_id
        with speaking(circle_language(data.store, data.exchanges, chat_id)):
            await callback(context)

    return spoken
