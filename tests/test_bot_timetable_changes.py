"""End to end: the timetable when something changes under it.

A new run, a pause, a change of pacing, a /next just before a session, a /skip past the last
point, a reminder longer than the gap between sessions, a session held up a few seconds with
no late grace. Same setup as tests/test_bot_schedule.py: APScheduler paused, jobs fired by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.bot_harness import (
    ALICE,
    GROUP,
    TINY,
    Clock,
    bot_at,
    fire,
    headings,
    job,
    jobs,
    next_fire,
    point_headings,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday, 11:00 in Berlin
TUE_19 = datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)
THU_19 = datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN)
PACE_REPLY, PACE_PROMPT = f"pace:{GROUP}:reply", f"pace:{GROUP}:prompt"


async def scheduled(bot, spec: str = "tue,thu 19:00") -> list[str]:
    await bot.command("/circle_start")
    return await bot.command(f"/schedule {spec}")


# -- a new run, a pause: nothing of before is owed ---------------------------------------


@pytest.mark.parametrize("begin", ["/restart", "/circle_start"])
async def test_a_new_run_after_a_stop_owes_no_session_of_the_old_run(api, tmp_path, begin):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        clock.now = TUE_19
        await fire(bot)
        clock.now = TUE_19 + timedelta(hours=20)
        await bot.confirmed("/circle_stop")
        clock.now = datetime(2026, 12, 7, 12, 0, tzinfo=BERLIN)  # Monday: Thu went by stopped
        if begin == "/restart":
            await bot.confirmed(begin)
        else:
            await bot.command(begin)
        said = len(bot.texts())
    clock.now += timedelta(minutes=5)
    async with bot_at(api, tmp_path, clock) as bot:  # the process restarts
        await bot.settle()
        assert bot.texts()[said:] == []  # no "the bot was offline at 19:00 Thu 3 Dec"
        clock.now = datetime(2026, 12, 8, 19, 0, tzinfo=BERLIN)
        assert headings(await fire(bot)) == point_headings(1)  # the new run's first session


async def test_sessions_of_a_pause_are_not_owed_after_resume_and_a_restart(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pause")
        # A week of sessions goes by paused; the jobs never got to run (held up, or simply
        # never fired): nothing marked them as dealt with.
        clock.now = datetime(2026, 12, 8, 19, 10, tzinfo=BERLIN)
        await bot.command("/resume")
    clock.now += timedelta(minutes=10)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert headings(bot.texts()) == []
        assert not any("late" in t or "offline" in t for t in bot.texts())
        clock.now = datetime(2026, 12, 10, 19, 0, tzinfo=BERLIN)
        assert headings(await fire(bot)) == point_headings(1)


# -- pacing changed mid-point --------------------------------------------------------------


async def test_pace_off_in_the_middle_of_a_paced_point_posts_the_rest_at_once(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pace reply +10m prompt +20m")
        clock.now = TUE_19
        assert headings(await fire(bot)) == point_headings(1, ("letter",))
        clock.now = TUE_19 + timedelta(minutes=5)
        sent = await bot.command("/pace off")
        assert headings(sent) == point_headings(1, ("reply", "prompt"))  # both now
        assert jobs(bot, "pace:") == []
        clock.now = THU_19
        assert headings(await fire(bot)) == point_headings(2)


async def test_new_offsets_mid_point_post_what_is_now_due_and_arm_the_rest(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pace reply +1d prompt +2d")
        clock.now = TUE_19
        await fire(bot)
        clock.now = TUE_19 + timedelta(minutes=7)
        sent = await bot.command("/pace reply +5m prompt +1h")
        assert sum("The reply" in t for t in sent) == 1
        assert jobs(bot, "pace:") == [PACE_PROMPT]
        assert next_fire(bot, clock.now, PACE_PROMPT) == TUE_19 + timedelta(hours=1)


# -- a session held up a few seconds -------------------------------------------------------


async def test_with_no_late_grace_a_session_held_up_seconds_still_posts(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock, late_grace_minutes=0) as bot:
        await scheduled(bot)
        assert job(bot).job.misfire_grace_time == 60
        clock.now = TUE_19 + timedelta(seconds=40)
        assert headings(await fire(bot)) == point_headings(1)
        clock.now = THU_19 + timedelta(minutes=5)  # beyond what APScheduler lets through
        assert await fire(bot) == [
            "The bot was held up at 19:00 Thu 3 Dec; the next session is Tue 8 Dec 19:00."
        ]


# -- /next just before a session -----------------------------------------------------------


async def test_next_just_before_a_session_counts_as_that_session(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        clock.now = TUE_19 - timedelta(minutes=2)
        sent = await bot.command("/next")
        assert headings(sent) == point_headings(1)
        assert sent[-1] == "This counts as the 19:00 session: it will not post another point."
        clock.now = TUE_19
        assert await fire(bot) == []
        clock.now = THU_19
        assert headings(await fire(bot)) == point_headings(2)


async def test_next_long_before_a_session_or_finishing_a_point_claims_nothing(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pace reply +1d prompt +1d")
        clock.now = TUE_19 - timedelta(hours=3)
        sent = await bot.command("/next")
        assert not any("counts as" in t for t in sent)
        clock.now = TUE_19
        assert headings(await fire(bot)) == point_headings(2, ("letter",))  # paced: the letter
        clock.now = THU_19 - timedelta(minutes=5)
        sent = await bot.command("/next")  # the rest of point 2: not a session of its own
        assert headings(sent) == point_headings(2, ("reply", "prompt"))
        assert not any("counts as" in t for t in sent)
        clock.now = THU_19
        assert headings(await fire(bot)) == point_headings(3, ("letter",))


# -- /skip past the last point -------------------------------------------------------------


async def test_skip_past_the_last_point_finishes_as_a_session_does(api, tmp_path):
    clock = Clock(START)
    last = len(TINY.points)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/remind 1h")
        await bot.command(f"/goto {last}")
        await bot.command("/next")
        prompt = api.sent_messages(GROUP)[-1]
        api.send_text(GROUP, ALICE, "Agreed.", reply_to=prompt["message_id"])
        await bot.settle()
        sent = await bot.command("/skip")
        assert sent[0] == "⏭ Skipped."
        assert sent[1].startswith(f"📝 Point {last}") and "1 answer from 1 member: Alice" in sent[1]
        assert "the circle is finished" in sent[2]
        assert "/export sends the minutes to you privately" in sent[2]
        assert jobs(bot, "") == []  # disarmed: session and reminder
        (status,) = await bot.command("/status")
        assert "State: finished" in status


async def test_skipping_a_point_that_was_out_posts_its_digest(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        sent = await bot.command("/skip")
        assert sent[0].startswith("⏭ Skipped. Point 2 is next")
        assert sent[1].startswith("📝 Point 1") and "No answers this time." in sent[1]
        (unposted,) = await bot.command("/skip")  # point 2 was never out: no digest
        assert unposted.startswith("⏭ Skipped. Point 3 is next")


# -- a reminder longer than the gap --------------------------------------------------------


async def test_a_reminder_longer_than_the_gap_warns_and_counts_down_to_the_next_session(
    api, tmp_path
):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot, "daily 19:00")
        clock.now = TUE_19
        await fire(bot)
        clock.now = TUE_19 + timedelta(minutes=1)
        (reply,) = await bot.command("/remind 30h")
        assert "⚠️ Sessions are as little as 1d apart" in reply
        (short,) = await bot.command("/remind 2h")
        assert "⚠️" not in short
        await bot.command("/remind 30h")
        reminder_at = datetime(2026, 12, 2, 13, 0, tzinfo=BERLIN)  # 30h before Thu 19:00
        assert next_fire(bot, clock.now, f"remind:{GROUP}") == reminder_at
        clock.now = reminder_at
        (sent,) = await fire(bot, f"remind:{GROUP}")
        assert sent.startswith("⏰ Point 1 closes in 6h:")  # at Wed 19:00, not in 30h
