"""The bot under load, through the real Application and the fake Bot API: acknowledgments in
the background, chats handled concurrently, a fan-out under Telegram's strict flood limits.

Telegram's windows are shortened (`Limits.faster`, the fake's `second`/`minute`) so a test
sees the same shape of traffic in a fraction of the time; nothing here asserts a duration.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram.ext import CallbackContext

from bot.circles import Circles
from bot.content import load_library
from bot.schedule.spec import parse_schedule
from bot.store import open_store
from bot.telegram.acks import AckPolicy
from bot.telegram.ratelimit import Limits, Priority
from tests.bot_harness import (
    ADMIN,
    ALICE,
    GROUP,
    TEST_CONTENT,
    TINY,
    Clock,
    bot_at,
    fire,
    point_headings,
    running_bot,
)

BERLIN = ZoneInfo("Europe/Berlin")
SCHEDULE = "tue,thu 19:00"
GROUPS = [-200_000 - n for n in range(40)]
MEMBERS = range(1000, 1040)


def _clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN))  # a Tuesday morning


def _slot() -> datetime:
    return datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)


def _circles_with_a_schedule(api, tmp_path, chats, clock: Clock) -> None:
    """Circles started straight in the database (as a long-running bot would have them)."""
    store = open_store(tmp_path / "circle.db")
    circles = Circles(store, load_library(TEST_CONTENT))
    for chat_id in chats:
        api.group(chat_id, f"Group {chat_id}", admins=[ADMIN], creator=ADMIN)
        circles.start(chat_id, TINY.id, clock.now, actor_id=ADMIN)
        schedule = parse_schedule(SCHEDULE, "Europe/Berlin", clock.now)
        circles.set_schedule(chat_id, schedule, clock.now, actor_id=ADMIN)
    store.close()


async def _fire_all(bot, chats) -> None:
    jobs = [bot.app.job_queue.get_jobs_by_name(f"session:{chat}")[0] for chat in chats]
    await asyncio.gather(*(j.callback(CallbackContext.from_job(j, bot.app)) for j in jobs))


async def test_a_fan_out_under_strict_flood_limits_gets_no_429_and_posts_every_part_once(
    api, tmp_path
):
    # Telegram's shape, ten times faster overall; 2 messages per group window so the
    # per-group limit binds too (each group's third part must wait for its window).
    api.enforce_flood_limits(per_second=30, per_group=2, second=0.1, minute=0.3)
    limits = Limits(overall=30, group=2, second=0.1, minute=0.3)
    clock = _clock()
    _circles_with_a_schedule(api, tmp_path, GROUPS, clock)
    async with bot_at(api, tmp_path, clock, limits=limits) as bot:
        clock.now = _slot()
        await _fire_all(bot, GROUPS)
        await bot.settle()
    assert api.flood_refusals == 0
    assert not [c for c in api.calls if c.error_code == 429]
    for chat_id in GROUPS:
        texts = [m["text"] for m in api.sent_messages(chat_id)]
        assert [t.split(" · ")[0] for t in texts] == point_headings(1)
        assert len(set(texts)) == len(texts)  # each part exactly once


async def test_a_command_reply_in_one_group_is_not_delayed_by_other_groups_posts(api, tmp_path):
    api.enforce_flood_limits(per_second=30, second=0.1, minute=6)
    clock = _clock()
    _circles_with_a_schedule(api, tmp_path, GROUPS, clock)
    api.user(ADMIN, "Ada")
    api.group(GROUP, "Reading group", admins=[ADMIN], creator=ADMIN)
    parts = len(GROUPS) * len(point_headings(1))
    async with bot_at(api, tmp_path, clock, limits=Limits().faster(10)) as bot:
        clock.now = _slot()
        fan_out = asyncio.create_task(_fire_all(bot, GROUPS))
        await api.await_for(lambda: len(api.calls_to("sendMessage")) >= 30)
        api.send_text(GROUP, ADMIN, "/help")
        await api.await_for(lambda: api.sent_messages(GROUP))
        posted_before_the_reply = len(api.calls_to("sendMessage")) - 1
        await fan_out
        await bot.settle()
    # Posts go first, but a reply has a small share of its own: it does not queue behind
    # the other groups' 120 parts.
    assert posted_before_the_reply < parts - 30
    assert api.flood_refusals == 0


async def test_chats_are_handled_concurrently_and_each_chat_in_order(api, tmp_path):
    other = -100456
    async with running_bot(api, tmp_path) as bot:
        api.group(other, "Other group", admins=[ADMIN], creator=ADMIN)
        api.delay_next("sendMessage", 0.3, chat_id=GROUP)  # Telegram is slow for this group
        api.send_text(GROUP, ADMIN, "/help")
        api.send_text(GROUP, ADMIN, "/status")
        api.send_text(other, ADMIN, "/help")
        await bot.settle()
    replies = api.calls_to("sendMessage")
    in_group = [c for c in replies if c.params["chat_id"] == GROUP]
    (in_other,) = [c for c in replies if c.params["chat_id"] == other]
    help_reply, status_reply = in_group
    # The other group did not wait for the slow one...
    assert in_other.time < status_reply.time
    # ...and within the slow group, /status was answered after /help, as it was sent.
    assert "/next" in help_reply.params["text"]
    assert status_reply.time >= help_reply.time + 0.3


async def test_an_answer_waits_for_its_own_chats_command_and_for_nothing_else(api, tmp_path):
    other = -100456
    async with running_bot(api, tmp_path) as bot:
        api.group(other, "Other group", admins=[ADMIN], creator=ADMIN, members=[ALICE])
        prompts = {}
        for chat in (GROUP, other):
            await bot.act(lambda chat=chat: api.send_text(chat, ADMIN, "/circle_start"))
            await bot.act(lambda chat=chat: api.send_text(chat, ADMIN, "/next"))
            prompts[chat] = api.sent_messages(chat)[-1]["message_id"]
        api.delay_next("sendMessage", 0.3, chat_id=GROUP)  # Telegram is slow for this group
        api.send_text(GROUP, ADMIN, "/status")
        api.send_text(GROUP, ALICE, "Answered while /status was out.", reply_to=prompts[GROUP])
        api.send_text(other, ALICE, "Answered in the other group.", reply_to=prompts[other])
        await bot.settle()
        store = bot.app.bot_data.store
        stored = [row["text"] for row in store.all("SELECT text FROM answers ORDER BY id")]
    # The answer in the other group was stored at once; the one in the slow group only after
    # the /status before it was done, as the messages were sent.
    assert stored == ["Answered in the other group.", "Answered while /status was out."]


async def _circle_with_answers(bot, api, count: int) -> None:
    await bot.command("/circle_start")
    await bot.command(f"/schedule {SCHEDULE}")
    for user_id in MEMBERS[:count]:
        api.user(user_id, f"Member {user_id}")
    bot.clock.now = _slot()
    await fire(bot)
    prompt = api.sent_messages(GROUP)[-1]["message_id"]
    for user_id in MEMBERS[:count]:
        api.send_text(GROUP, user_id, "An answer.", reply_to=prompt)


async def test_acknowledgments_never_delay_a_scheduled_post(api, tmp_path):
    # Acknowledgments get 1 place in each 0.05 s window: 20 of them take 1 s to go out.
    limits = Limits(ack_share=1).faster(20)
    clock = _clock()
    async with bot_at(api, tmp_path, clock, limits=limits) as bot:
        await _circle_with_answers(bot, api, 20)
        await api.await_for(lambda: bot.app.bot_data.acks.sent >= 1)
        limiter = bot.app.bot.rate_limiter
        clock.now = _slot() + timedelta(days=2)  # Thursday: the next session, point 2
        session = asyncio.create_task(fire(bot))
        await api.await_for(lambda: len(api.sent_messages(GROUP)) >= 1 + 3 + 1 + 5)
        assert bot.app.bot_data.acks.sent < 20  # the acknowledgments were still going out
        await session
    assert limiter.delayed[Priority.POST] == 0  # every post found a place at once
    assert limiter.granted[Priority.ACK] == 20


async def test_under_load_acknowledgments_are_dropped_and_every_answer_is_stored_once(
    api, tmp_path
):
    clock = _clock()
    async with bot_at(api, tmp_path, clock, acks=AckPolicy(limit=5)) as bot:
        await _circle_with_answers(bot, api, 30)
        await bot.settle()
        (status,) = await bot.command("/status")
        acks = bot.app.bot_data.acks
    assert "Answers on this point: 30" in status
    reacted = [c for c in api.calls_to("setMessageReaction") if c.status == "ok"]
    assert len(reacted) == acks.sent
    assert acks.dropped > 0 and acks.sent + acks.dropped == 30
    assert len({c.params["message_id"] for c in reacted}) == len(reacted)
    assert Counter(c.params["chat_id"] for c in reacted) == {GROUP: acks.sent}
