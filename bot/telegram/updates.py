"""The update pipeline: how each update is handled around its handlers.

- Updates of different chats are handled concurrently; those of one chat in order. Each
  update waits for the one before it in the same chat, and nothing else: a member's edit
  never overtakes the answer it edits, an organizer's /pause never the /next before it.
  Updates without a chat (poll answers) are chained per user.
- An update `runs_at_once` (an answer: it only writes to the database, its 👍 is queued) is
  handled right away when nothing of its chat is in flight: most updates are answers, and
  a task of their own cost each more than storing it. Everything else, which may wait for
  Telegram (a command's reply, a button), runs as a task of its own, at most
  MAX_CONCURRENT_UPDATES at once, so one chat's slow reply never holds up another chat.
- Each update speaks its own language (bot/telegram/language.py), chosen once the chat's
  earlier updates are done (a /language just before it counts), and set back afterwards.
- When its handlers are done, its inbox row is marked handled (bot/telegram/receiving.py).

Done here rather than in handler groups of their own: every update passes through, and each
handler group costs every update a round of checks. PTB hands updates over one at a time
(`max_concurrent_updates` 1, so it makes no task per update); the concurrency is ours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.text import speaking

# How many updates are handled at once; the rest wait their turn in order.
MAX_CONCURRENT_UPDATES = 256

Spawn = Callable[[Coroutine[Any, Any, None]], object]


class UpdatePipeline(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat, in the update's language, then done."""

    def __init__(
        self,
        language: Callable[[object], str | Callable[[], str]],
        done: Callable[[object], None],
        runs_at_once: Callable[[object], bool],
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    ):
        super().__init__(1)  # PTB then awaits each update here instead of making it a task
        self.language = language
        self.done = done
        self.runs_at_once = runs_at_once
        self.spawn: Spawn = asyncio.ensure_future  # the bot: Application.create_task
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key not in self._locks and self.runs_at_once(update):
            await self._handle(update, coroutine)
            return
        lock = self._enter(key)  # before anything later of this chat is looked at
        await self._slots.acquire()
        self.spawn(self._in_turn(key, lock, update, coroutine))

    @property
    def idle(self) -> bool:
        """No update is being handled or waiting for its turn."""
        return not self._locks

    async def handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle an update and return once it is done (start-up's reading of what waited)."""
        key = _key(update)
        await self._in_turn(key, self._enter(key), update, coroutine, slot=False)

    async def _in_turn(
        self, key: Any, lock: asyncio.Lock, update: object, coroutine: Awaitable[Any],
        slot: bool = True,
    ) -> None:  # fmt: skip
        try:
            async with lock:
                await self._handle(update, coroutine)
        finally:
            if slot:
                self._slots.release()
            self._leave(key)

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        with speaking(self.language(update)):
            await coroutine
        self.done(update)

    def _enter(self, key: Any) -> asyncio.Lock:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        return lock

    def _leave(self, key: Any) -> None:
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
