"""Updates in: kept in the inbox before Telegram may forget them, marked handled after.

- `Receiver.keep(updates)` writes a batch to the inbox (bot/inbox.py) in one transaction and
  feeds the new ones to `Application.update_queue`. The polling loop (bot/telegram/polling.py)
  asks for the next offset, which confirms the batch to Telegram, only after that.
- `InboxQueue` is the Application's `update_queue`: an `Update` PTB's webhook server puts
  there is kept first, so a storage fault answers Telegram with an error and it sends again.
- `Receiver.handled` runs once the update's handlers finished (the update pipeline,
  bot/telegram/updates.py): its row is marked handled. An update whose handling met a storage
  fault stays unhandled and is fed again once the database writes again (`refeed`).

Handled marks go with the grouped commit (Store.group_commits): those of a burst are written
in one statement just before the COMMIT that also stores its answers (`write_marks`). If that
COMMIT fails, both are undone together and the updates are fed again (`group_ended`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot import inbox
from bot.store import Store
from bot.telegram.storage_watch import StorageWatch, is_storage_fault

log = logging.getLogger(__name__)


class InboxQueue(asyncio.Queue):
    """`update_queue` whose `put` of an Update keeps it in the inbox first (webhook mode)."""

    def __init__(self) -> None:
        super().__init__()
        self.receiver: Receiver | None = None

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.receiver is not None:
            self.receiver.keep([item])  # a storage fault raises: the webhook answers 500
            return
        await super().put(item)


class Receiver:
    """Keeps, feeds and marks updates; knows which are being handled right now."""

    def __init__(
        self, store: Store, queue: asyncio.Queue, clock: Callable[[], datetime], watch: StorageWatch
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.watch = watch
        self.bot: Any = None  # set by attach()
        self.in_flight: set[int] = set()
        self.failed: set[int] = set()
        self.marking: list[int] = []  # handled, marked when the open group commits
        store.group_closing.append(self.write_marks)
        store.group_ended.append(self.group_ended)

    def attach(self, application: Application) -> None:
        self.bot = application.bot

    def keep(self, updates: Sequence[Update], raw: Sequence[dict] | None = None) -> int:
        """Write the batch (as Telegram sent it, when `raw` is given), then feed what was new;
        raises sqlite3.Error if it cannot write."""
        if not updates:
            return 0
        by_id = {update.update_id: update for update in updates}
        payloads = raw if raw is not None else [update.to_dict() for update in updates]
        fresh = inbox.keep(self.store, payloads, self.clock())
        self.watch.cleared()
        for update_id in fresh:
            self._feed(by_id[update_id])
        return len(fresh)

    def refeed(self) -> int:
        """Feed again every kept update that is not handled and not being handled."""
        self.failed.clear()
        count = 0
        for data in inbox.unhandled(self.store):
            if data["update_id"] in self.in_flight:
                continue
            self._feed(Update.de_json(data, self.bot))
            count += 1
        if count:
            log.info("handling %d kept update(s) again", count)
        return count

    def _feed(self, update: Update) -> None:
        self.in_flight.add(update.update_id)
        self.queue.put_nowait(update)

    def note_failure(self, update: object, error: BaseException) -> bool:
        """A handler met `error`; True if it is a storage fault (the update is kept for later)."""
        if not is_storage_fault(error):
            return False
        if isinstance(update, Update):
            self.failed.add(update.update_id)
        self.watch.report(error)
        return True

    def handled(self, update: object) -> None:
        """The update's handlers are done (the update pipeline, bot/telegram/updates.py)."""
        if not isinstance(update, Update):
            return
        update_id = update.update_id
        self.in_flight.discard(update_id)
        if update_id in self.failed:
            return  # fed again once the database writes again
        if self.store.join_group():
            self.marking.append(update_id)  # with the answers it follows, in their COMMIT
            return
        try:
            inbox.mark_handled(self.store, [update_id], self.clock())
            self.watch.cleared()
        except sqlite3.Error as error:
            if not is_storage_fault(error):
                raise
            # Handled but not marked: handled again later (answers are stored once).
            self.failed.add(update_id)
            self.watch.report(error)

    def write_marks(self) -> None:
        """The open group is about to commit: its handled marks, in one statement."""
        if self.marking:
            inbox.mark_handled(self.store, self.marking, self.clock())

    def group_ended(self, error: sqlite3.Error | None) -> None:
        """The group holding these handled marks committed, or was undone by `error`."""
        marked, self.marking = self.marking, []
        if error is None:
            self.watch.cleared()
            return
        log.warning("lost the handled marks of %d update(s): handling them again", len(marked))
        self.failed.update(marked)
        self.watch.report(error)
