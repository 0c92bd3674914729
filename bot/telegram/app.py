"""The composition root: build the Application, register every handler, run."""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot import inbox
from bot.circles import Circles
from bot.config import Config
from bot.content import load_library
from bot.schedule.timetable import misfire_seconds
from bot.store import Store, open_store
from bot.telegram import (
    answers,
    catchup,
    chat_events,
    console,
    members,
    nudges,
    onboarding,
    organizer,
    polls,
    throttle,
)
from bot.telegram.acks import AckPolicy, AckQueue
from bot.telegram.commands import COMMANDS, publish
from bot.telegram.context import CONTEXT_TYPES, BotData
from bot.telegram.errors import on_error
from bot.telegram.language import update_language
from bot.telegram.message_filters import GROUP_REPLY, GROUP_SPEAKER, NEW_COMMAND
from bot.telegram.ratelimit import Limits, PriorityRateLimiter
from bot.telegram.receiving import InboxQueue, Receiver
from bot.telegram.request import Request
from bot.telegram.storage_watch import StorageWatch
from bot.telegram.timetable import Timetable
from bot.telegram.updates import UpdatePipeline

log = logging.getLogger(__name__)

THROTTLE_GROUP = -2
# Seconds a grouped commit may wait for more writes to share it. Nothing waits on it: the
# inbox holds the updates, and a 👍 or any other request commits it first.
GROUP_COMMIT_WITHIN = 0.5


class StartupError(Exception):
    """The bot cannot start with this setup; the message says what to fix."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_application(
    config: Config,
    clock: Callable[[], datetime] = utc_now,
    limits: Limits | None = None,
    acks: AckPolicy | None = None,
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
    circles = Circles(open_writable_store(config, clock()), exchanges)
    limiter = PriorityRateLimiter(limits)
    limiter.before_send = circles.store.flush  # grouped writes first (Store.group_commits)
    # Every update is kept in the inbox before Telegram may forget it (bot/telegram/receiving.py).
    queue = InboxQueue()
    # Chats are handled concurrently, each chat's updates in order, an answer at once, each
    # update in a language of its own and marked handled in the inbox when done.
    pipeline = UpdatePipeline(
        language=lambda update: update_language(update, application.bot_data),
        done=lambda update: application.bot_data.receiver.handled(update),
        runs_at_once=lambda update: (
            isinstance(update, Update) and bool(GROUP_REPLY.check_update(update))
        ),
    )
    application = (
        Application.builder()
        .context_types(CONTEXT_TYPES)
        .update_queue(queue)
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
        # PTB's own pool sizes: 256 connections for the bot's calls, 1 for getUpdates.
        .request(Request(connection_pool_size=256))
        .get_updates_request(Request(connection_pool_size=1))
        .base_url(config.api_base_url)
        .base_file_url(config.api_file_url)
        # Telegram allows 30 messages in any second and 20 in any minute per group: kept as
        # strict sliding windows, the circle's posts first (bot/telegram/ratelimit.py).
        .rate_limiter(limiter)
        .concurrent_updates(pipeline)  # bot/telegram/updates.py
        .post_init(_post_init)
        .post_stop(_post_stop)
        .build()
    )
    # Every job the bot arms (session, pace, remind, retry) may run late by the circle's grace
    # rather than APScheduler's default of 1 s, which lets a busy event loop drop a job with
    # only a log line; several missed runs become one. The timetable passes the same values
    # explicitly. configure() replaces the whole configuration, so PTB's own (time zone,
    # executor) is passed again; it must come before the scheduler starts (Application.start).
    pipeline.spawn = lambda handling: application.create_task(handling, name="update")
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
    watch = StorageWatch()
    watch.application = application
    data.receiver = queue.receiver = Receiver(circles.store, queue, clock, watch)
    data.receiver.attach(application)
    data.acks = AckQueue(application.bot, acks)

    # Commands react to new messages only: PTB would otherwise re-run a command whose message
    # was edited. A command addressed to another bot (/next@otherbot) is ignored by PTB itself.
    new = filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS
    # Group -2: a member who floods commands gets one word, then silence (bot/throttle.py).
    application.add_handler(MessageHandler(NEW_COMMAND, throttle.throttle), group=THROTTLE_GROUP)
    # Group -1 runs before the handlers below: note who speaks, so /status can name who has
    # not answered yet (privacy mode shows the bot commands and replies, nothing else).
    application.add_handler(MessageHandler(GROUP_SPEAKER, members.note_member), group=-1)
    # Replies first (answers: most updates); a reply that is a command is left to the commands.
    application.add_handler(MessageHandler(GROUP_REPLY, answers.on_reply))
    # Every command from the one table; a group command in a private chat says where it works.
    for command in COMMANDS:
        where = new if command.anywhere else new & groups
        application.add_handler(CommandHandler(command.name, command.callback, filters=where))
    group_only = [command.name for command in COMMANDS if not command.anywhere]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(group_only, members.group_only, filters=new & ~groups))
    application.add_handler(
        CommandHandler("start", onboarding.private_start, filters=new & private)
    )
    application.add_handler(CallbackQueryHandler(members.forget_button, pattern=r"^(forget|keep):"))
    application.add_handler(CallbackQueryHandler(console.choose_button, pattern=r"^console:"))
    application.add_handler(CallbackQueryHandler(catchup.catchup_button, pattern=r"^catchup:"))
    application.add_handler(
        CallbackQueryHandler(organizer.confirm_button, pattern=r"^(confirm|cancel):")
    )
    application.add_handler(
        CallbackQueryHandler(nudges.nudgeme_button, pattern=rf"^{nudges.BUTTON}$")
    )
    # Who is in a group (chat_member updates come to administrators) and the bot's own
    # membership: its introduction when added, a private chat blocked.
    application.add_handler(
        ChatMemberHandler(onboarding.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        ChatMemberHandler(onboarding.on_chat_member, ChatMemberHandler.CHAT_MEMBER)
    )
    # A private message that is no command: a catch-up answer, or a short useful answer.
    application.add_handler(
        MessageHandler(new & private & ~filters.COMMAND, onboarding.private_message)
    )

    # Edits of answers (replies to the bot's messages, what privacy mode lets a bot see).
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, answers.on_edit))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_events.on_migrate))
    # Polls: counts from `poll` updates (anonymous ones too), each vote of a public poll.
    application.add_handler(PollHandler(polls.on_poll))
    application.add_handler(PollAnswerHandler(polls.on_poll_answer))
    application.add_error_handler(on_error)
    return application


def open_writable_store(config: Config, now: datetime) -> Store:
    """The store, if it can write: purging the inbox's old rows is the first write."""
    store = open_store(config.database)
    try:
        inbox.purge(store, now)
    except sqlite3.Error as error:
        store.close()
        raise StartupError(f"{config.database}: cannot write to the database ({error})") from None
    return store


async def _post_init(application: Application) -> None:
    # A burst of answers and handled marks shares one COMMIT (bot/store.py): the next batch's
    # inbox write or any request to Telegram commits it, and at the latest GROUP_COMMIT_WITHIN.
    loop = asyncio.get_running_loop()
    application.bot_data.store.group_commits(
        lambda commit: loop.call_later(GROUP_COMMIT_WITHIN, commit)
    )
    await publish(application.bot)
    # What members wrote while the bot was down comes first: an answer belongs to its point
    # and that point's digest, which a missed session may be about to post.
    await read_pending_updates(application)
    # The scheduler runs before the circles are armed (Application.start() then leaves it be):
    # a stopped APScheduler keeps added jobs in a list that every look-up by id scans.
    await application.job_queue.start()
    # Finish any point an outage left half-posted, deal with missed slots, re-arm every circle.
    await application.bot_data.timetable.start_up()
    # What start-up built (the exchanges, handlers, armed jobs) lives as long as the process:
    # the garbage collector's full passes need not walk it again and again under load.
    gc.freeze()


async def _post_stop(application: Application) -> None:
    await application.bot_data.acks.close()
    application.bot_data.store.commit()


async def read_pending_updates(application: Application, batches: int = 20) -> int:
    """Handle what was written while the bot was down — updates kept in the inbox before a
    crash, then those Telegram still holds — before start-up runs any missed session.

    Each batch is kept in the inbox first, like every update (bot/inbox.py), so polling, which
    fetches the same batch again until it is confirmed, does not handle it a second time.
    Returns how many were handled."""
    data = application.bot_data
    handled = 0
    # Through the update pipeline, as polling does: in order, in its language, marked handled.
    pipeline = application.update_processor

    async def handle(update: Update) -> None:
        await pipeline.handle(update, application.process_update(update))

    for payload in inbox.unhandled(data.store):
        await handle(Update.de_json(payload, application.bot))
        handled += 1
    offset = 0
    for _ in range(batches):
        try:
            updates = await application.bot.get_updates(
                offset=offset, timeout=0, allowed_updates=Update.ALL_TYPES
            )
            fresh = set(inbox.keep(data.store, [u.to_dict() for u in updates], data.now()))
        except (TelegramError, sqlite3.Error) as error:  # polling retries with its backoff
            log.warning("reading the updates kept while down stopped: %s", error)
            break
        if not updates:
            break
        for update in updates:
            if update.update_id in fresh:
                await handle(update)
                handled += 1
        offset = updates[-1].update_id + 1
    if handled:
        log.info("read %s updates from while the bot was down", handled)
    return handled
