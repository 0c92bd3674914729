"""Run the real bot (python-telegram-bot Application) against the fake Bot API, in-process.

`running_bot` starts the Application with long polling exactly as `circle-bot run` does,
except that the clock is injected and the per-group flood limit is raised so a test can post a
whole exchange without waiting out Telegram's 20 messages a minute.

The bot runs on the small test exchange in tests/content/tiny.toml (`TINY`). Tests derive what
they expect of it from the loaded exchange and `bot.render.render_point` (`point_headings`),
never from its wording, so editing content breaks no test. `SEED` runs the shipped exchange
instead, for the one smoke test that keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

from telegram.ext import Application, CallbackContext

from bot.config import SCHEMA, Config
from bot.content import load_library
from bot.exchange import Exchange
from bot.fakebotapi import FakeBotAPI
from bot.render import render_point
from bot.telegram.acks import AckPolicy
from bot.telegram.app import build_application
from bot.telegram.polling import Poller, PollSettings
from bot.telegram.ratelimit import Limits

ROOT = Path(__file__).parent.parent
TEST_CONTENT = ROOT / "tests" / "content"
TINY = load_library(TEST_CONTENT)["tiny"]
# The shipped content and its default exchange, as `circle-bot run` finds them out of the box.
SEED = {
    "content_dir": ROOT / "content",
    "default_exchange": SCHEMA["content"]["default_exchange"][1],
}
GROUP = -100123
ADMIN, ALICE, BOB = 1, 2, 3
SESSION = f"session:{GROUP}"


class Clock:
    """A settable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_config(api: FakeBotAPI, tmp_path: Path, **overrides) -> Config:
    config = Config(
        token=api.token,
        token_env="TELEGRAM_BOT_TOKEN",
        api_base_url=api.base_url,
        database=tmp_path / "circle.db",
        content_dir=TEST_CONTENT,
        default_exchange=TINY.id,
        timezone="Europe/Berlin",
        schedule="",
        late_grace_minutes=60,
        organizer_ids=frozenset(),
        log_level="INFO",
    )
    return replace(config, **overrides)


@contextmanager
def serving(api: FakeBotAPI) -> Iterator[FakeBotAPI]:
    """`with api:`, but stopping in about a millisecond instead of up to 50.

    socketserver's shutdown() returns once serve_forever sees its flag, which it checks when
    select() returns: after the fake's poll interval (0.05 s) or as soon as a connection comes
    in. So while stop() runs, knock on the port; a knock the server accepts is an empty request
    it closes. Nothing of the fake is changed, and should a knock miss, stop() simply takes
    its usual 50 ms.
    """
    api.start()
    try:
        yield api
    finally:
        stopper = threading.Thread(target=api.stop, name="fakebotapi-stop")
        stopper.start()
        while stopper.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", api.port), timeout=0.1).close()
            stopper.join(0.002)


def make_world(api: FakeBotAPI, forum: bool = False) -> None:
    api.user(ADMIN, "Ada", username="ada")
    api.user(ALICE, "Alice", username="alice")
    api.user(BOB, "Bob", username="bob")
    api.group(
        GROUP, "Reading group", forum=forum, admins=[ADMIN], creator=ADMIN, members=[ALICE, BOB]
    )


@dataclass
class Running:
    api: FakeBotAPI
    app: Application
    clock: Clock
    poller: Poller | None = None
    polling: asyncio.Task | None = None

    async def command(self, text: str, user: int = ADMIN, **kwargs) -> list[str]:
        """Send a command and return the texts of the bot's messages it caused."""
        return await self.act(lambda: self.api.send_text(GROUP, user, text, **kwargs))

    async def confirmed(self, text: str, user: int = ADMIN, press: int | None = None) -> list[str]:
        """An organizer command that asks first (/restart, /circle_stop), its Yes pressed (by
        `press`, the asker by default): the question's final text, then what followed."""
        await self.command(text, user=user)
        asked = next(
            m
            for m in reversed(self.api.sent_messages())
            if any(
                str(b.get("callback_data", "")).startswith("confirm:")
                for row in m.get("reply_markup", {}).get("inline_keyboard", [])
                for b in row
            )
        )
        data = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        chat = asked["chat"]["id"]
        after = await self.act(
            lambda: self.api.press_button(chat, press or user, asked["message_id"], data)
        )
        return [self.api.message(chat, asked["message_id"])["text"], *after]

    async def act(self, action) -> list[str]:
        before = len(self.api.sent_messages())
        action()
        await self.settle()
        return [_visible(message) for message in self.api.sent_messages()[before:]]

    async def settle(self, timeout: float = 10) -> None:
        """Wait until the bot has fetched and handled every injected update.

        Each step is an event to wait for, not a quiet period to sit out:

        - fetched: the fake API holds no update the bot has not confirmed. the polling loop keeps
          a batch and puts it on `update_queue` before it confirms it with the next offset, so
          nothing pending at the fake means everything injected is on the queue or handled;
        - handled: `update_queue.join()` returns once PTB has handed each update to the update
          pipeline, which is `idle` once it handled every one it took (bot/telegram/updates.py);
        - no Bot API call other than the long poll is still in flight (a job fired by hand),
          and the acknowledgment queue has sent (or dropped) every 👍.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if self.api.pending_updates():
                    await asyncio.sleep(0.001)
                    continue
                await asyncio.wait_for(self.app.update_queue.join(), deadline - loop.time())
                quiet = (
                    self.app.update_processor.idle
                    and self.app.bot_data.acks.idle
                    and not self._calls_in_flight()
                )
                if quiet and not self.api.pending_updates():
                    return
                await asyncio.sleep(0.001)
                if loop.time() > deadline:
                    raise TimeoutError
        except TimeoutError:
            raise AssertionError(f"the bot did not settle within {timeout} seconds") from None

    def _calls_in_flight(self) -> bool:
        return any(
            call.status == "pending" and call.method.lower() != "getupdates"
            for call in self.api.calls
        )

    def texts(self, chat_id: int = GROUP) -> list[str]:
        """What members see in the chat from the bot, in order (polls as their question)."""
        return [_visible(message) for message in self.api.sent_messages(chat_id)]


def _visible(message: dict) -> str:
    if "poll" in message:
        return "[poll] " + message["poll"]["question"]
    return message.get("text", "")


@asynccontextmanager
async def running_bot(
    api: FakeBotAPI,
    tmp_path: Path,
    clock: Clock | None = None,
    group_messages_per_minute: float = 100_000,
    limits: Limits | None = None,
    acks: AckPolicy | None = None,
    **config_overrides,
) -> AsyncIterator[Running]:
    """The bot, polling; `group_messages_per_minute=20` for Telegram's real per-group limit,
    `limits` for other flood limits (e.g. `Limits().faster(10)`)."""
    clock = clock or Clock(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
    config = make_config(api, tmp_path, **config_overrides)
    limits = limits or Limits(group=group_messages_per_minute)
    app = build_application(config, clock=clock, limits=limits, acks=acks)
    # Telegram stamps messages with their time of writing: the test's clock, not real time.
    api.set_clock(lambda: clock.now.timestamp())
    async with app:
        await app.post_init(app)
        await app.start()
        # The bot's own polling loop (bot/telegram/polling.py), as `circle-bot run` uses it.
        poller = Poller(app, PollSettings(timeout=0.2, first_backoff=0.05, conflict_grace=1))
        polling = asyncio.create_task(poller.run())
        try:
            yield Running(api, app, clock, poller, polling)
        finally:
            poller.stop()
            await polling
            await app.stop()
            await app.post_stop(app)  # as run_bot stops: acknowledgments dropped, all committed


# Timetable helpers: APScheduler is paused, a test moves the Clock and fires armed jobs itself.


@asynccontextmanager
async def bot_at(api, tmp_path, clock: Clock, **config):
    async with running_bot(api, tmp_path, clock=clock, **config) as bot:
        bot.app.job_queue.scheduler.pause()  # tests fire jobs themselves
        yield bot


def job(bot, name: str = SESSION):
    (found,) = bot.app.job_queue.get_jobs_by_name(name)
    return found


def jobs(bot, prefix: str) -> list[str]:
    return sorted(j.name for j in bot.app.job_queue.jobs() if j.name.startswith(prefix))


async def fire(bot, name: str = SESSION, chat_id: int = GROUP) -> list[str]:
    """Run an armed job's callback now (exceptions propagate); the bot's messages it caused."""
    armed = job(bot, name)
    before = len(bot.texts(chat_id))
    await armed.callback(CallbackContext.from_job(armed, bot.app))
    await bot.settle()
    return bot.texts(chat_id)[before:]


def headings(texts: list[str]) -> list[str]:
    """`Point 3/4` for each of a point's messages among `texts` (a poll has no heading)."""
    return [t.split(" · ")[0] for t in texts if t.startswith("Point ")]


def point_headings(
    number: int, parts: tuple[str, ...] = ("letter", "reply", "prompt"), exchange: Exchange = TINY
) -> list[str]:
    """What `headings` reads off point `number`'s messages of `parts` once the bot posted them,
    from `render_point` itself: one `Point 4/4` per message, so a letter in two messages
    counts twice."""
    return [
        headings([unescape(re.sub(r"<[^>]+>", "", message.html))])[0]
        for message in render_point(exchange, number - 1)
        if message.part in parts and message.poll is None
    ]


def seed_exchange() -> Exchange:
    return load_library(SEED["content_dir"])[SEED["default_exchange"]]


def next_fire(bot, after: datetime, name: str = SESSION) -> datetime:
    """When the armed job's own trigger fires next, strictly after `after`."""
    return job(bot, name).job.trigger.get_next_fire_time(None, after + timedelta(seconds=1))
