"""The update pipeline: how each update is handled around its handlers.

- Updates of different chats are handled concurrently; those of one chat in order. PTB's
  `concurrent_updates` runs every update as its own task, which alone would let a member's
  edit overtake the answer it edits, or an organizer's /pause overtake the /next before it.
  Here each update waits for the one before it in the same chat, and nothing else. Updates
  without a chat (poll answers) are chained per user.
- Each update speaks its own language (bot/telegram/language.py), chosen once the chat's
  earlier updates are done (a /language just before it counts), and set back afterwards.
- When its handlers are done, its inbox row is marked handled (bot/telegram/receiving.py).

Done here rather than in handler groups of their own: every update passes through, and each
handler group costs every update a round of checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.text import speaking

# How many updates are handled at once (PTB's semaphore); the rest wait their turn in order.
MAX_CONCURRENT_UPDATES = 256


class UpdatePipeline(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat, in the update's language, then done."""

    def __init__(
        self,
        language: Callable[[object], str | Callable[[], str]],
        done: Callable[[object], None],
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    ):
        super().__init__(max_concurrent_updates)
        self.language = language
        self.done = done
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                with speaking(self.language(update)):
                    await coroutine
                self.done(update)
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _key(update: object) -> Any:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None
