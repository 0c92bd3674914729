"""End to end: the circle's polls are anonymous, counted from Telegram's `poll` updates, stopped
when their point closes, shown in the digest, and never live twice."""

import pytest

from bot import polls
from tests.bot_harness import ALICE, BOB, GROUP, TINY, running_bot

POLL_POINT = next(n for n, point in enumerate(TINY.points, start=1) if point.poll)
POLL = TINY.points[POLL_POINT - 1].poll


async def post_poll_point(bot) -> dict:
    """Start the circle, post the point with the poll; return the poll message."""
    await bot.command("/circle_start")
    await bot.command(f"/goto {POLL_POINT}")
    before = len(bot.api.sent_messages(GROUP))
    await bot.command("/next")
    return next(m for m in bot.api.sent_messages(GROUP)[before:] if "poll" in m)


def live_polls(api) -> list[dict]:
    current = [api.message(GROUP, m["message_id"]) for m in api.sent_messages(GROUP)]
    return [m for m in current if "poll" in m and not m["poll"]["is_closed"]]


async def test_the_poll_is_anonymous_and_its_counts_come_from_poll_updates(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        message = await post_poll_point(bot)
        assert message["poll"]["is_anonymous"] is True
        await bot.act(lambda: api.answer_poll(message["poll"]["id"], ALICE, [0]))
        await bot.act(lambda: api.answer_poll(message["poll"]["id"], BOB, [0]))
        await bot.act(lambda: api.answer_poll(message["poll"]["id"], BOB, [2]))  # changed mind
        tally = polls.tally(bot.app.bot_data.store, message["poll"]["id"])
    assert tally is not None and tally.anonymous and not tally.closed
    assert tally.voter_count == 2
    assert [count for _, count in tally.options] == [1, 0, 1]
    assert tally.voters == ()  # nobody's choice is known, not even to the bot


async def test_the_poll_is_stopped_when_its_point_closes_and_the_digest_shows_the_result(
    api, tmp_path
):
    async with running_bot(api, tmp_path) as bot:
        message = await post_poll_point(bot)
        poll_id = message["poll"]["id"]
        await bot.act(lambda: api.answer_poll(poll_id, ALICE, [1]))
        await bot.act(lambda: api.answer_poll(poll_id, BOB, [1]))
        sent = await bot.command("/next")
        stopped = api.message(GROUP, message["message_id"])["poll"]
        with pytest.raises(ValueError, match="closed"):
            api.answer_poll(poll_id, ALICE, [0])
        tally = polls.tally(bot.app.bot_data.store, poll_id)
    assert [call.status for call in api.calls_to("stopPoll")] == ["ok"]
    assert stopped["is_closed"]
    digest = next(text for text in sent if "is closed" in text)
    assert f"Poll: 2 votes — 2 for {POLL.options[1]}" in digest
    assert tally is not None and tally.closed and tally.voter_count == 2


async def test_a_point_posted_again_after_goto_never_has_two_live_polls(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        first = await post_poll_point(bot)
        await bot.command(f"/goto {POLL_POINT}")
        assert live_polls(api) == []  # the old copy was stopped when the circle moved
        await bot.command("/next")
        (live,) = live_polls(api)
    assert live["message_id"] != first["message_id"]
    assert api.message(GROUP, first["message_id"])["poll"]["is_closed"]


async def test_stopping_or_restarting_the_circle_stops_its_poll(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await post_poll_point(bot)
        await bot.confirmed("/circle_stop")
        assert live_polls(api) == []
        await bot.confirmed("/restart")
        await bot.command(f"/goto {POLL_POINT}")
        await bot.command("/next")
        assert len(live_polls(api)) == 1
        await bot.confirmed("/restart")
        assert live_polls(api) == []
