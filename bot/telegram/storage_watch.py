"""Storage faults: SQLite cannot write (disk full, read-only, locked past the busy timeout).

While the database cannot write, updates are left with Telegram (the polling loop does not ask
for the next offset), the log says so once at ERROR, and organizers are told once, privately,
never in the group and never per answer. The first write that succeeds again clears the fault.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable

from telegram.error import TelegramError
from telegram.ext import Application

from bot.telegram.language import circle_language
from bot.text import DEFAULT, speaking
from bot.text import operations as text

log = logging.getLogger(__name__)

# SQLite's primary result codes that mean "cannot write now", not a bug in a query.
STORAGE_FAULTS = (
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_PERM",
)
NOTICE_EVERY = 3600.0  # seconds


def is_storage_fault(error: BaseException) -> bool:
    if not isinstance(error, sqlite3.Error):
        return False
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(STORAGE_FAULTS)


class StorageWatch:
    """Whether the database writes; the one log line and the one notice per fault."""

    def __init__(self) -> None:
        self.application: Application | None = None
        self.failing = False
        self.told_at: float | None = None  # a flapping disk tells organizers once an hour

    def report(self, error: BaseException) -> None:
        if self.failing:
            log.debug("storage still failing: %s", error)
            return
        self.failing = True
        log.error(
            "storage: cannot write to the database (%s); updates stay with Telegram and "
            "are handled once it writes again",
            error,
        )
        quiet = self.told_at is not None and time.monotonic() - self.told_at < NOTICE_EVERY
        if self.application is not None and not quiet:
            self.told_at = time.monotonic()
            self.application.create_task(self._tell_organizers(str(error)))

    def cleared(self) -> None:
        if self.failing:
            self.failing = False
            log.warning("storage: the database writes again; handling resumes")

    async def _tell_organizers(self, error: str) -> None:
        assert self.application is not None
        data = self.application.bot_data
        bot = self.application.bot
        # Each person -> a circle they organize, whose language they read when the bot has not
        # seen their own (reading the database may still work while writing does not).
        people: dict[int, int | None] = dict.fromkeys(data.config.organizer_ids)
        for chat_id in _circle_chats(data):
            try:
                admins = await bot.get_chat_administrators(chat_id)
            except TelegramError:
                continue
            for admin in admins:
                if not admin.user.is_bot and people.get(admin.user.id) is None:
                    people[admin.user.id] = chat_id
        for user_id, chat_id in sorted(people.items()):
            with speaking(_language(data, user_id, chat_id)):
                notice = text.storage_fault(error)
            try:
                await bot.send_message(user_id, notice)
            except TelegramError as problem:  # never opened a private chat: nothing to do
                log.info("storage notice not delivered to user=%s: %s", user_id, problem)


def _language(data, user_id: int, chat_id: int | None) -> str:
    own = data.languages.get(user_id)
    if own or chat_id is None:
        return own or DEFAULT
    try:
        return circle_language(data.store, data.exchanges, chat_id)
    except sqlite3.Error:
        return DEFAULT


def _circle_chats(data) -> Iterable[int]:
    try:
        rows = data.store.all("SELECT chat_id FROM circles WHERE state IN ('running', 'paused')")
    except sqlite3.Error:
        return []
    return [row["chat_id"] for row in rows]
