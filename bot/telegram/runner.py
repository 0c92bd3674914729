"""`circle-bot run`: one instance per database, start-up checks, polling or a webhook, signals.

- An OS lock next to the database (`circle.db.lock`, holding the pid) lets one process run on
  it; a second one refuses to start and names the first.
- SIGTERM or SIGINT: stop fetching at once; updates fetched and not yet handled stay in the
  inbox for the next start; the update being handled is finished; exit 0 within a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import signal
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.config import Config
from bot.content import ContentError
from bot.logsetup import configure_logging
from bot.migrations import SchemaTooNew
from bot.telegram.app import StartupError, build_application
from bot.telegram.polling import Poller, PollSettings

log = logging.getLogger(__name__)

STOP_SECONDS = 3.5  # SIGTERM to exit, at most (systemd and Docker wait 10 s, then kill)


@dataclass(frozen=True)
class Webhook:
    url: str  # the public HTTPS URL Telegram posts to
    listen: str  # HOST:PORT of PTB's webhook server (behind a TLS proxy)

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host or "0.0.0.0", int(port)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


class AlreadyRunning(Exception):
    pass


def lock_database(database: Path) -> IO[str]:
    """Hold an exclusive lock on `<database>.lock` for the life of the process."""
    path = database.with_name(database.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise AlreadyRunning(
            f"another circle-bot (pid {pid}) is running on {database}: stop it first"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


# A SIGTERM that comes while the bot is still starting (before `serve` takes the signals
# over) ends the start-up cleanly instead of killing the process half-way.
EARLY_STOP = threading.Event()


def _stop_early(signum: int, frame: object) -> None:
    EARLY_STOP.set()


def run_bot(config: Config, webhook: Webhook | None = None) -> int:
    """Run until interrupted; returns the exit code (2: fix the setup, 1: try later)."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop_early)
    configure_logging(config.log_level, secrets=[config.token])
    try:
        lock = lock_database(config.database)
    except AlreadyRunning as error:
        log.error("%s", error)
        return 2
    except OSError as error:
        log.error("cannot lock %s: %s", config.database, error)
        return 2
    with lock:
        try:
            application = build_application(config)
        except ContentError as error:
            for problem in error.problems:
                log.error("content: %s", problem)
            return 2
        except (StartupError, SchemaTooNew) as error:
            log.error("%s", error)
            return 2
        except sqlite3.DatabaseError as error:  # corrupt, locked for good, not a database
            log.error("%s: %s", config.database, error)
            return 2
        try:
            # Checked once before polling: python-telegram-bot's own start-up would log a
            # traceback for a refused token or an unreachable server instead of one clear line.
            asyncio.run(check_bot_api(config))
        except InvalidToken:
            log.error(
                "Telegram refused the token in %s: check it with @BotFather (/token).",
                config.token_env,
            )
            return 2
        except NetworkError as error:
            log.error("cannot reach the Bot API at %s: %s", config.api_base_url, error)
            return 1
        how = f"webhook={webhook.url}" if webhook else "polling"
        log.info("starting: api=%s database=%s %s", config.api_base_url, config.database, how)
        return asyncio.run(serve(application, webhook))


async def check_bot_api(config: Config) -> dict:
    async with Bot(config.token, base_url=config.api_base_url) as bot:
        return (await bot.get_me()).to_dict()


async def serve(
    application: Application,
    webhook: Webhook | None = None,
    settings: PollSettings | None = None,
    poller: Poller | None = None,
) -> int:
    """Start the Application, receive until a signal (or a fatal polling fault), stop.

    Pass your own `poller` to stop it yourself (`poller.stop()`) instead of by a signal."""
    if poller is None:
        poller = Poller(application, settings or PollSettings())
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, poller.stop)
        if EARLY_STOP.is_set():
            poller.stop()
    await application.initialize()
    code = 0
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        if webhook is None:
            code = await poller.run()
        else:
            await start_webhook(application, webhook)
            application.bot_data.receiver.refeed()
            await poller.stopping.wait()
    finally:
        await stop(application)
    return code


async def start_webhook(application: Application, webhook: Webhook) -> None:
    """PTB's own webhook server; Telegram must send the secret chosen for this start."""
    host, port = webhook.host_port
    assert application.updater is not None
    await application.updater.start_webhook(
        listen=host,
        port=port,
        url_path=webhook.path,
        webhook_url=webhook.url,
        allowed_updates=Update.ALL_TYPES,
        secret_token=secrets.token_urlsafe(32),
    )


async def stop(application: Application) -> None:
    """Leave what is queued in the inbox, finish what is being handled, within STOP_SECONDS."""
    queue = application.update_queue
    left = 0
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()
        left += 1
    if left:
        log.info("stopping: %d update(s) kept for the next start", left)
    try:
        async with asyncio.timeout(STOP_SECONDS):
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            if application.post_stop is not None:  # run_polling would call it; we stop it here
                await application.post_stop(application)
            await application.shutdown()
    except TimeoutError:
        log.warning("stopping: an update was still being handled; it is handled at next start")
    except Exception:  # stopping must end the process, whatever happened before
        log.exception("stopping")
    with contextlib.suppress(Exception):
        application.bot_data.store.close()
