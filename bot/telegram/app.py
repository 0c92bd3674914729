"""The composition root: build the Application, register every handler, run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    Update,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.circle import CircleService
from bot.config import Config
from bot.content import ContentError, load_library
from bot.store import open_store
from bot.telegram import answers, chat_events, export_command, members, organizer, sessions
from bot.telegram.errors import on_error

log = logging.getLogger(__name__)

MEMBER_COMMANDS = [
    ("help", "How the circle works and how to answer"),
    ("points", "The points, ✓ for those discussed"),
    ("mine", "Your own answers, sent privately"),
    ("forgetme", "Delete your answers in this group"),
]
ORGANIZER_COMMANDS = [
    ("circle_start", "Start a circle: /circle_start [exchange]"),
    ("next", "Post the current point now"),
    ("status", "Point, state, next post, who answered"),
    ("pause", "Pause posting"),
    ("resume", "Resume posting"),
    ("skip", "Skip the current point"),
    ("goto", "Make point N current: /goto N"),
    ("restart", "New run from point 1 (answers kept)"),
    ("circle_stop", "Stop the circle"),
    ("export", "Send the minutes to you privately"),
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_application(
    config: Config,
    clock: Callable[[], datetime] = utc_now,
    group_messages_per_minute: float = 20,
) -> Application:
    """The whole bot: handlers in one block, Telegram's flood limits in the rate limiter."""
    exchanges = load_library(config.content_dir)
    service = CircleService(open_store(config.database), exchanges)
    application = (
        Application.builder()
        .token(config.token)
        .base_url(config.api_base_url)
        .base_file_url(config.api_file_url)
        # Telegram allows ~30 messages/s overall and 20/min per group; a 429 is waited out
        # and retried by the limiter rather than lost.
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=30,
                group_max_rate=group_messages_per_minute,
                max_retries=3,
            )
        )
        .post_init(_post_init)
        .build()
    )
    application.bot_data.update(config=config, service=service, clock=clock)

    # Commands react to new messages only: PTB would otherwise re-run a command whose message
    # was edited. A command addressed to another bot (/next@otherbot) is ignored by PTB itself.
    new = filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS
    for name, callback in [
        ("circle_start", organizer.circle_start),
        ("next", organizer.next_point),
        ("pause", organizer.pause),
        ("resume", organizer.resume),
        ("skip", organizer.skip),
        ("goto", organizer.goto),
        ("circle_stop", organizer.circle_stop),
        ("restart", organizer.restart),
        ("status", organizer.status),
        ("points", members.points),
        ("forgetme", members.forgetme),
        ("export", export_command.export),
    ]:
        application.add_handler(CommandHandler(name, callback, filters=new & groups))
    application.add_handler(CommandHandler("help", members.help_command, filters=new))
    application.add_handler(CommandHandler("mine", members.mine, filters=new))
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
    bot = application.bot
    members_list = [BotCommand(name, text) for name, text in MEMBER_COMMANDS]
    organizers_list = [BotCommand(name, text) for name, text in ORGANIZER_COMMANDS]
    await bot.set_my_commands(members_list, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        organizers_list + members_list, scope=BotCommandScopeAllChatAdministrators()
    )
    await sessions.resume_interrupted(application)


def run_bot(config: Config) -> int:
    """Run until interrupted; returns the process exit code."""
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
    log.info("starting: api=%s database=%s", config.api_base_url, config.database)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
