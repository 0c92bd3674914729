"""Updates of different chats are handled concurrently; those of one chat in order.

PTB's `concurrent_updates` runs every update as its own task, which alone would let a member's
edit overtake the answer it edits, or an organizer's /pause overtake the /next before it. This
update processor chains the updates of one chat: each waits for the one before it in the same
chat, and nothing else. Updates without a chat (poll answers) are chained per user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# How many updates are handled at once (PTB's semaphore); the rest wait their turn in order.
MAX_CONCURRENT_UPDATES = 256


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, one at a time and in order within a chat."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(max_concurrent_updates)
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
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
