"""Inbound answers and outbound fan-out, each against a baseline measured in the same run.

- inbound: N replies to the bot's posts from many members in many groups, queued at the fake
  (in a process of its own, as Telegram is another machine: bench/fake_process.py) before
  polling starts; a bare PTB `Application` with one no-op handler on the same feed is the
  baseline. Time from the start of polling until every update is handled (bare) / every answer
  is stored (the bot: each kept in the inbox first, through the production polling loop).
- fan-out: C circles due at the same minute, the fake enforcing Telegram's limits as a strict
  sliding window; the baseline is the ideal, parts ÷ 30 s.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext, Job, MessageHandler, filters

from bench.fake_process import FakeProcess
from bench.world import CONTENT, EXCHANGE, build
from bot.fakebotapi import FakeBotAPI
from bot.store import open_store
from bot.telegram.app import build_application
from bot.telegram.polling import Poller, PollSettings
from tests.bot_harness import Clock, make_config

POLL = {"poll_interval": 0, "timeout": timedelta(seconds=0.2)}
# Running circles whose one session is a month away: no job fires while answers come in.
QUIET = [("{once}", None, None, "running")]


async def _bare_inbound(replies: int, chats: list[int]) -> float:
    with FakeProcess(chats, replies) as api:
        seen = 0
        done = asyncio.Event()

        async def handle(update, context) -> None:
            nonlocal seen
            seen += 1
            if seen == replies:
                done.set()

        app = Application.builder().token(api.token).base_url(api.base_url).build()
        app.add_handler(MessageHandler(filters.ALL, handle))
        async with app:
            await app.start()
            api.feed()
            started = time.perf_counter()
            await app.updater.start_polling(**POLL)
            await done.wait()
            seconds = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
    return seconds


async def _bot_inbound(replies: int, chats: list[int], folder: Path) -> tuple[float, dict]:
    with FakeProcess(chats, replies) as api:
        config = make_config(api, folder, content_dir=CONTENT, default_exchange=EXCHANGE)
        app = build_application(config)
        store = app.bot_data.store
        async with app:
            await app.post_init(app)  # start-up reads what is pending: the feed comes after
            await app.start()
            api.feed()
            started = time.perf_counter()
            # The production path: our polling loop, each batch kept in the inbox first.
            poller = Poller(app, PollSettings(timeout=0.2))
            polling = asyncio.create_task(poller.run())
            # max(id), not count(*): answers are only added here, and counting 100,000 rows
            # every few milliseconds would be the bench's cost, not the bot's.
            while (store.scalar("SELECT max(id) FROM answers") or 0) < replies:
                await asyncio.sleep(0.005)
            seconds = time.perf_counter() - started
            acks = app.bot_data.acks
            counts = {"acks_sent": acks.sent, "acks_dropped": acks.dropped}
            poller.stop()
            await polling
            await app.stop()
            await app.post_stop(app)  # as run_bot stops: the open grouped commit is made
    return seconds, counts


def inbound(replies: int, folder: Path, bot_first: bool = False) -> dict:
    groups = max(10, replies // 100)
    chats = build(folder / "circle.db", groups, datetime.now(UTC), kinds=QUIET)
    if bot_first:
        bot, counts = asyncio.run(_bot_inbound(replies, chats, folder))
    bare = asyncio.run(_bare_inbound(replies, chats))
    if not bot_first:
        bot, counts = asyncio.run(_bot_inbound(replies, chats, folder))
    store = open_store(folder / "circle.db")
    stored = store.scalar("SELECT count(*) FROM answers")
    store.close()
    return {"replies": replies, "bare": replies / bare, "bot": replies / bot, "stored": stored,
            **counts}  # fmt: skip


BERLIN = ZoneInfo("Europe/Berlin")
FAN_OUT = [("tue,thu 19:00", None, None, "running")]


async def _fan_out(circles: int, folder: Path) -> dict:
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN))
    chats = build(folder / "circle.db", circles, clock.now, kinds=FAN_OUT, post=False)
    with FakeBotAPI() as api:
        for chat_id in chats:
            api.group(chat_id, f"Group {chat_id}")
        api.enforce_flood_limits()
        config = make_config(api, folder, content_dir=CONTENT, default_exchange=EXCHANGE)
        app = build_application(config, clock=clock)
        async with app:
            await app.post_init(app)
            await app.start()
            app.job_queue.scheduler.pause()  # the bench fires the minute's jobs itself
            clock.now = datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)
            found = [app.job_queue.scheduler.get_job(f"session:{chat}") for chat in chats]
            jobs = [Job.from_aps_job(j) for j in found]
            started = time.perf_counter()
            await asyncio.gather(*(j.callback(CallbackContext.from_job(j, app)) for j in jobs))
            seconds = time.perf_counter() - started
            await app.stop()
        sent = [c for c in api.calls if c.method in ("sendMessage", "sendPoll")]
        parts = sum(1 for c in sent if c.status == "ok")
        keys = {(c.params["chat_id"], c.params.get("text")) for c in sent if c.status == "ok"}
        return {"circles": circles, "parts": parts, "seconds": seconds, "ideal": parts / 30,
                "refused": api.flood_refusals, "doubled": parts - len(keys)}  # fmt: skip


def fan_out(circles: int, folder: Path) -> dict:
    return asyncio.run(_fan_out(circles, folder))
