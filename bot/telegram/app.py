"""The composition root: build the Application, register every handler, run."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.circles import Circles
from bot.config import Config
from bot.content import ContentError, load_library
from bot.migrations import SchemaTooNew
from bot.schedule.timetable import misfire_seconds
from bot.store import open_store
from bot.telegram import answers, chat_events, members
from bot.telegram.commands import COMMANDS, publish
from bot.telegram.context import CONTEXT_TYPES, BotData
from bot.telegram.errors import on_error
from bot.telegram.language import LanguageUpdateProcessor, choose_language
from bot.telegram.ratelimit import MessageRateLimiter
from bot.telegram.timetable import Timetable

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start with this setup; the message says what to fix."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_application(
    config: Config,
    clock: Callable[[], datetime] = utc_now,
    group_messages_per_minute: float = 20,
) -> Application:
    """The whole bot: handlers in one block, Telegram's flood limits in the rate limiter."""
    if not config.content_dir.is_dir():
        what = "is not a directory" if config.content_dir.exists() else "does not exist"
        raise StartupError(f"content.directory {config.content_dir} {what}")
    exchanges = load_library(config.content_dir)
    if config.default_exchange not in exchanges:
        known = ", ".join(sorted(exchanges)) or "none"
        raise StartupError(
            f"content.default_exchange {config.default_exchange!r} is not in "
            f"{config.content_dir} (exchanges there: {known})"
        )
    circles = Circles(open_store(config.database), exchanges)
    application = (
        Application.builder()
        .context_types(CONTEXT_TYPES)
        # Every message the bot sends is Telegram HTML, never quotes the message it answers
        # and never shows a link preview (a point's excerpts are the content, not a link).
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                do_quote=False,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .token(config.token)
        .base_url(config.api_base_url)
        .base_file_url(config.api_file_url)
        # Telegram allows ~30 messages/s overall and 20/min per group; a 429 is waited out
        # and retried by the limiter rather than lost. Reactions and admin checks are not
        # messages: they count against the overall limit only (bot/telegram/ratelimit.py).
        .rate_limiter(
            MessageRateLimiter(
                overall_max_rate=30,
                group_max_rate=group_messages_per_minute,
                max_retries=3,
            )
        )
        .post_init(_post_init)
        # One update at a time, as before; each in a language of its own (bot/text, "The
        # language"): it starts in English and leaves the ContextVar as it found it.
        .concurrent_updates(LanguageUpdateProcessor(1))
        .build()
    )
    # Every job the bot arms (session, pace, remind, retry) may run late by the circle's grace
    # rather than APScheduler's default of 1 s, which lets a busy event loop drop a job with
    # only a log line; several missed runs become one. The timetable passes the same values
    # explicitly. configure() replaces the whole configuration, so PTB's own (time zone,
    # executor) is passed again; it must come before the scheduler starts (Application.start).
    job_queue = application.job_queue
    job_queue.scheduler.configure(
        job_defaults={
            "misfire_grace_time": misfire_seconds(timedelta(minutes=config.late_grace_minutes)),
            "coalesce": True,
            "max_instances": 1,
        },
        **job_queue.scheduler_configuration,
    )
    data: BotData = application.bot_data
    data.config, data.circles, data.clock = config, circles, clock
    data.timetable = Timetable(application)

    # Commands react to new messages only: PTB would otherwise re-run a command whose message
    # was edited. A command addressed to another bot (/next@otherbot) is ignored by PTB itself.
    new = filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS
    # Group -100 runs first: the update's language (the circle's, or a member's own in private).
    application.add_handler(TypeHandler(Update, choose_language), group=-100)
    # Group -1 runs before the handlers below: note who speaks, so /status can name who has
    # not answered yet (privacy mode shows the bot commands and replies, nothing else).
    application.add_handler(MessageHandler(new & groups, members.note_member), group=-1)
    # Every command from the one table; a group command in a private chat says where it works.
    for command in COMMANDS:
        where = new if command.anywhere else new & groups
        application.add_handler(CommandHandler(command.name, command.callback, filters=where))
    group_only = [command.name for command in COMMANDS if not command.anywhere]
    application.add_handler(CommandHandler(group_only, members.group_only, filters=new & ~groups))
    application.add_handler(CommandHandler("start", members.private_start, filters=new))
    application.add_handler(CallbackQueryHandler(members.forget_button, pattern=r"^(forget|keep):"))

    # Answers: replies to the bot's messages (what privacy mode lets a bot see), and their edits.
    application.add_handler(
        MessageHandler(new & groups & filters.REPLY & ~filters.COMMAND, answers.on_reply)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & groups, answers.on_edit)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_events.on_migrate))
    application.add_error_handler(on_error)
    return application


async def _post_init(application: Application) -> None:
    await publish(application.bot)
    # Finish any point an outage left half-posted, deal with missed slots, re-arm every circle.
    await application.bot_data.timetable.start_up()


def run_bot(config: Config) -> int:
    """Run until interrupted; returns the process exit code (2: fix the setup, 1: try later)."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=config.log_level
    )
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        application = build_application(config)
    except ContentError as error:
        for problem in error.problems:
            log.error("content: %s", problem)
        return 2
    except (StartupError, SchemaTooNew, sqlite3.DatabaseError) as error:
        log.error("%s", error)
        return 2
    try:
        # Checked once before polling: python-telegram-bot's own start-up would log a
        # traceback for a refused token or an unreachable server instead of one clear line.
        asyncio.run(_check_bot_api(config))
    except InvalidToken:
        log.error(
            "Telegram refused the token in %s: check it with @BotFather (/token).", config.token_env
        )
        return 2
    except NetworkError as error:
        log.error("cannot reach the Bot API at %s: %s", config.api_base_url, error)
        return 1
    log.info("starting: api=%s database=%s", config.api_base_url, config.database)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _check_bot_api(config: Config) -> None:
    async with Bot(config.token, base_url=config.api_base_url):
        pass  # entering initializes the bot, which asks getMe
