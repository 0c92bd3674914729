"""Our own long-polling loop: nothing Telegram handed over is confirmed before it is kept.

PTB's `Updater` asks for the next offset as soon as it has put a batch on the update queue, so
a crash loses whatever was queued and not handled. Here a batch is written to the inbox first
(`Receiver.keep`), and only the next `getUpdates` (offset = last id + 1) confirms it.

Faults, each with one clear log line:

- 401 (the token was revoked): `Poller.run` returns 2, so the process exits and a supervisor
  restarts or alerts, instead of a zombie that polls nothing;
- 409 (another instance polls this token, or a webhook is set): said once; if it lasts
  `conflict_grace` seconds, returns 1;
- 5xx, network errors, timeouts: retried with a doubling wait capped at `backoff_cap`;
- the database cannot write: the batch is not confirmed (Telegram keeps it), the wait doubles
  up to `backoff_cap`, and updates whose handling failed are fed again once it writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import warnings
from dataclasses import dataclass

from telegram import Update
from telegram.error import (
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.telegram.receiving import Receiver
from bot.telegram.storage_watch import is_storage_fault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollSettings:
    timeout: float = 10  # long-poll seconds
    backoff_cap: float = 30
    conflict_grace: float = 20
    first_backoff: float = 1


READ_MARGIN = 10.0  # seconds beyond the long poll's own timeout


class Poller:
    def __init__(self, application: Application, settings: PollSettings = PollSettings()):
        self.application = application
        self.settings = settings
        self.receiver: Receiver = application.bot_data.receiver
        self.stopping = asyncio.Event()
        self.offset = 0
        self.refeed_at = 0.0
        self.refeed_delay = 0.0

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> int:
        """Poll until `stop()`; returns the exit code (0 when stopped)."""
        self.receiver.refeed()  # kept before the last stop (or kill) and never handled
        delay = 0.0
        conflict_since: float | None = None
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set():
            try:
                updates, raw = await self._get_updates()
            except _Stopped:
                break
            except InvalidToken:
                log.error("Telegram refused the token while polling (401): stopping")
                return 2
            except Conflict as error:
                if conflict_since is None:
                    conflict_since = loop.time()
                    log.error(
                        "another instance polls this bot's token (or a webhook is set): %s; "
                        "stopping in %.0f s unless it goes away",
                        error.message,
                        self.settings.conflict_grace,
                    )
                if loop.time() - conflict_since >= self.settings.conflict_grace:
                    log.error("still in conflict with another instance: stopping")
                    return 1
                delay = await self._wait(delay)
                continue
            except RetryAfter as error:
                await self._sleep(_seconds(error.retry_after))
                continue
            except (NetworkError, TelegramError) as error:
                # 5xx and network faults; python-telegram-bot words them itself.
                log.warning("getUpdates failed (%s); retrying", error)
                delay = await self._wait(delay)
                continue
            conflict_since = None
            try:
                if updates:
                    self.receiver.keep(updates, raw)
                self._refeed_failed(loop.time())
            except sqlite3.Error as error:
                if not is_storage_fault(error):
                    raise
                self.receiver.watch.report(error)
                delay = await self._wait(delay)
                continue  # the same offset: Telegram hands the batch over again
            delay = 0.0
            if updates:
                self.offset = updates[-1].update_id + 1
        return 0

    async def _fetch(self) -> tuple[tuple[Update, ...], list[dict]]:
        """getUpdates as Telegram's own JSON (kept as it came) and as Updates (handled):
        turning Updates back into JSON cost more than handling them."""
        bot = self.application.bot
        try:
            with warnings.catch_warnings():  # PTB prefers get_updates, which returns no JSON
                warnings.simplefilter("ignore", PTBUserWarning)
                raw = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={
                        "offset": self.offset,
                        "timeout": self.settings.timeout,
                        "allowed_updates": list(Update.ALL_TYPES),
                    },
                    read_timeout=self.settings.timeout + READ_MARGIN,
                )
        except EndPointNotFound as error:
            # do_api_request reads a 401 as "no such method"; getUpdates always exists.
            raise InvalidToken(str(error)) from error
        return tuple(Update.de_json(item, bot) for item in raw), raw

    def _refeed_failed(self, now: float) -> None:
        """Updates whose handling met a storage fault: fed again, less often while it lasts."""
        if not self.receiver.failed:
            if not self.receiver.watch.failing:
                self.refeed_delay = 0.0
            return
        if now < self.refeed_at:
            return
        self.refeed_delay = next_delay(self.refeed_delay, self.settings)
        self.refeed_at = now + self.refeed_delay
        self.receiver.refeed()

    async def _get_updates(self) -> tuple[tuple[Update, ...], list[dict]]:
        poll = asyncio.ensure_future(self._fetch())
        stopping = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if poll.done():
            stopping.cancel()
            return poll.result()
        poll.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await poll
        raise _Stopped

    async def _wait(self, delay: float) -> float:
        delay = next_delay(delay, self.settings)
        await self._sleep(delay)
        return delay

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)


def next_delay(delay: float, settings: PollSettings) -> float:
    """The wait after another failure: doubling from `first_backoff`, at most `backoff_cap`."""
    return min(max(delay * 2, settings.first_backoff), settings.backoff_cap)


class _Stopped(Exception):
    pass


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total() if total else value)  # type: ignore[arg-type]
