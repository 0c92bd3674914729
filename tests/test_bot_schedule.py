"""End to end: the timetable against the real Application and the fake Bot API.

APScheduler is paused in every test, so nothing fires by the real clock: a test moves the
injected Clock to a session time and fires the armed job itself (`fire`). No real minutes pass.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.executors.base import run_coroutine_job

from bot.model import load_circle
from tests.bot_harness import (
    ALICE,
    BOB,
    GROUP,
    SESSION,
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

POINTS = len(TINY.points)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 1 December 2026, 11:00 in Berlin: "tue,thu 19:00" next meets tonight.
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TUE_19 = datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)
THU_19 = datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN)


async def scheduled(bot, spec: str = "tue,thu 19:00") -> list[str]:
    await bot.command("/circle_start")
    return await bot.command(f"/schedule {spec}")


def elapsed(earlier: datetime, later: datetime) -> timedelta:
    return later.astimezone(UTC) - earlier.astimezone(UTC)


# -- /schedule ---------------------------------------------------------------------------


async def test_schedule_restates_in_words_and_lists_the_next_three_sessions(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        (reply,) = await scheduled(bot)
        assert "Tuesdays and Thursdays at 19:00 (Europe/Berlin)" in reply
        assert "Next sessions (Europe/Berlin):" in reply
        assert "• Tue 1 Dec 2026 19:00\n• Thu 3 Dec 2026 19:00\n• Tue 8 Dec 2026 19:00" in reply
        armed = job(bot).job
        assert armed.id == SESSION
        assert armed.misfire_grace_time == 60 * 60
        assert armed.coalesce is True
        assert armed.max_instances == 1
        assert next_fire(bot, START) == TUE_19


async def test_a_bad_schedule_gets_one_line_with_the_accepted_forms(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        (reply,) = await scheduled(bot, "sometimes soon")
        assert "\n" not in reply
        assert 'Not a schedule: "sometimes soon"' in reply
        assert "tue,thu 19:00" in reply
        assert bot.app.job_queue.get_jobs_by_name(SESSION) == ()


async def test_a_timezone_in_the_spec_becomes_the_circles_time_zone(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        (reply,) = await scheduled(bot, "mon 18:30 America/New_York")
        assert "Mondays at 18:30 (America/New_York)" in reply
        assert "• Mon 7 Dec 2026 18:30" in reply
        assert load_circle(bot.app.bot_data.store, GROUP).timezone == "America/New_York"
        (holiday,) = await bot.command("/holiday 2026-12-07")
        assert "Next sessions (America/New_York):\n• Mon 14 Dec 2026 18:30" in holiday


async def test_every_n_days_keeps_its_anchor_in_the_stored_spec(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        (reply,) = await scheduled(bot, "every 2 days 20:00")
        assert "• Tue 1 Dec 2026 20:00\n• Thu 3 Dec 2026 20:00" in reply
    spec = "every 2 days 20:00 from 2026-12-01 Europe/Berlin"
    async with bot_at(api, tmp_path, Clock(START + timedelta(days=1))) as bot:
        assert load_circle(bot.app.bot_data.store, GROUP).settings.schedule.spec == spec
        assert next_fire(bot, START + timedelta(days=1)) == datetime(2026, 12, 3, 20, tzinfo=BERLIN)


async def test_schedule_alone_shows_it_and_off_clears_and_disarms(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        await scheduled(bot)
        await bot.command("/pace reply +10m prompt +20m")
        await bot.command("/remind 2h")
        (shown,) = await bot.command("/schedule")
        assert "The circle meets Tuesdays and Thursdays at 19:00" in shown
        assert "• Tue 1 Dec 2026 19:00" in shown
        assert "Pacing: letter at the session time, reply +10m, prompt +20m." in shown
        assert "Reminder: 2h before each session." in shown
        (status,) = await bot.command("/status")
        assert "Next scheduled post: Tue 1 Dec 2026 19:00 (Europe/Berlin)" in status
        (off,) = await bot.command("/schedule off")
        assert "Schedule cleared" in off
        assert jobs(bot, "session:") == [] and jobs(bot, "remind:") == []
        (status,) = await bot.command("/status")
        assert "Next scheduled post: none (post with /next)" in status
        (shown,) = await bot.command("/schedule")
        assert "No schedule" in shown


async def test_only_organizers_may_change_the_timetable(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        await bot.command("/circle_start")
        for command in ("/schedule daily 08:00", "/pace off", "/holiday off", "/remind 2h"):
            (reply,) = await bot.command(command, user=ALICE)
            assert "Only this group's administrators" in reply
            bot.clock.advance(minutes=6)  # a member is refused once in a few minutes
        assert jobs(bot, "session:") == []


async def test_without_a_circle_the_timetable_commands_say_how_to_start_one(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START)) as bot:
        (reply,) = await bot.command("/schedule daily 08:00")
        assert "start one with /circle_start" in reply


# -- sessions ----------------------------------------------------------------------------


async def test_a_whole_exchange_walks_by_itself_with_a_digest_per_point(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot, "daily 19:00")
        digests = []
        for number in range(1, POINTS + 1):
            clock.now = next_fire(bot, clock.now)
            sent = await fire(bot)
            assert headings(sent) == point_headings(number)
            digests += [t for t in sent if t.startswith("📝")]
            if number == 3:  # Alice and Bob answer point 3
                prompt = bot.api.sent_messages(GROUP)[-1]
                api.send_text(GROUP, ALICE, "I think so.", reply_to=prompt["message_id"])
                api.send_text(GROUP, BOB, "I don't.", reply_to=prompt["message_id"])
                await bot.settle()
        clock.now = next_fire(bot, clock.now)
        last = await fire(bot)
        assert clock.now == TUE_19 + timedelta(days=POINTS)  # a day per point, then the end
        assert jobs(bot, "session:") == []  # finished: disarmed
    assert headings(bot.texts()) == [h for n in range(1, POINTS + 1) for h in point_headings(n)]
    digests += [t for t in last if t.startswith("📝")]
    assert [d.split(" · ")[0] for d in digests] == [f"📝 Point {n}" for n in range(1, POINTS + 1)]
    assert "2 answers from 2 members: Alice, Bob" in digests[2]
    assert "No answers this time." in digests[0]
    assert "the circle is finished" in last[-1]
    assert "/export sends the minutes to you privately" in last[-1]
    (digest,) = [m for m in api.sent_messages(GROUP) if m.get("text", "").startswith("📝 Point 3")]
    links = [e["url"] for e in digest["entities"] if e["type"] == "text_link"]
    assert len(links) == 2
    assert all(link.startswith("https://t.me/c/123/") for link in links)


async def test_a_job_fired_before_its_time_by_the_clock_posts_nothing(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        assert await fire(bot) == []
        clock.now = TUE_19
        assert headings(await fire(bot)) == point_headings(1)
        assert await fire(bot) == []  # the same slot twice: still one session


async def test_a_session_fired_late_within_the_grace_still_posts(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        clock.now = TUE_19 + timedelta(minutes=50)
        assert headings(await fire(bot)) == point_headings(1)


async def test_apscheduler_runs_a_session_late_within_the_grace_and_drops_it_after(api, tmp_path):
    """The armed job's own misfire setting, through APScheduler's executor (real clock)."""
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        clock.now = TUE_19 + timedelta(minutes=50)
        armed = job(bot).job
        real_now = datetime.now(UTC)
        (late,) = await run_coroutine_job(armed, "default", [real_now - timedelta(minutes=50)], "t")
        await bot.settle()
        assert late.code == EVENT_JOB_EXECUTED
        assert headings(bot.texts()) == point_headings(1)
        (missed,) = await run_coroutine_job(armed, "default", [real_now - timedelta(hours=2)], "t")
        assert missed.code == EVENT_JOB_MISSED


async def test_a_paused_circle_keeps_its_schedule_but_does_not_post(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pause")
        (status,) = await bot.command("/status")
        assert "paused: nothing is posted until /resume" in status
        clock.now = TUE_19
        assert await fire(bot) == []
        assert jobs(bot, "session:") == [SESSION]
        clock.now = TUE_19 + timedelta(hours=1)
        await bot.command("/resume")
        assert headings(bot.texts()) == []  # the skipped session is not owed after /resume
        clock.now = THU_19
        assert headings(await fire(bot)) == point_headings(1)


async def test_holidays_skip_sessions_and_the_reply_shows_the_real_next_ones(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        (reply,) = await bot.command("/holiday 2026-12-01..2026-12-03")
        assert "No sessions from 2026-12-01 to 2026-12-03 (inclusive)." in reply
        assert "• Tue 8 Dec 2026 19:00\n• Thu 10 Dec 2026 19:00\n• Tue 15 Dec 2026 19:00" in reply
        await bot.command("/holiday 2026-12-24")
        (listed,) = await bot.command("/holiday")
        assert "Holidays: 2026-12-01..2026-12-03, 2026-12-24." in listed
        for slot in (TUE_19, THU_19):
            clock.now = slot
            assert await fire(bot) == []
        (cleared,) = await bot.command("/holiday off")
        assert "Holidays cleared." in cleared
        clock.now = datetime(2026, 12, 8, 19, 0, tzinfo=BERLIN)
        assert headings(await fire(bot)) == point_headings(1)
        (bad,) = await bot.command("/holiday 2026-12-24..2026-12-20")
        assert "\n" not in bad and "before it starts" in bad


async def test_the_config_schedule_applies_to_a_new_circle_until_changed(api, tmp_path):
    async with bot_at(api, tmp_path, Clock(START), schedule="tue,thu 19:00") as bot:
        sent = await bot.command("/circle_start")
        assert any("This circle meets Tuesdays and Thursdays at 19:00" in t for t in sent)
        assert next_fire(bot, START) == TUE_19
        await bot.command("/schedule off")
        await bot.command("/pause")
        await bot.command("/resume")
        assert jobs(bot, "session:") == []


async def test_the_armed_trigger_fires_once_on_both_dst_days(api, tmp_path):
    """A time the spring change skips posts once (just after the gap); a time the autumn
    change repeats posts once, at its first (summer-time) occurrence."""
    clock = Clock(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    cases = [
        ("02:30 Europe/Berlin", BERLIN, date(2027, 3, 28), "spring"),
        ("02:30 Europe/Berlin", BERLIN, date(2027, 10, 31), "autumn"),
        ("02:30 America/New_York", NEW_YORK, date(2027, 3, 14), "spring"),
        ("01:30 America/New_York", NEW_YORK, date(2027, 11, 7), "autumn"),
    ]
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.command("/circle_start")
        for spec, tz, day, change in cases:
            await bot.command(f"/schedule daily {spec}")
            trigger = job(bot).job.trigger
            eve = datetime.combine(day - timedelta(days=1), datetime.min.time(), tz)
            fires, fire_at = [], trigger.get_next_fire_time(None, eve)
            while fire_at.astimezone(tz).date() <= day + timedelta(days=1):
                fires.append(fire_at.astimezone(UTC).astimezone(tz))  # normalised
                fire_at = trigger.get_next_fire_time(fire_at, fire_at)
            before, on_day, after = (
                [f for f in fires if f.date() == d]
                for d in (day - timedelta(days=1), day, day + timedelta(days=1))
            )
            assert len(before) == len(on_day) == len(after) == 1, (spec, day, fires)
            (session,) = on_day
            if change == "spring":
                assert session.hour == 3 and elapsed(before[0], session) == timedelta(hours=24)
            else:
                assert session.utcoffset() == before[0].utcoffset()  # still summer time
                assert elapsed(session, after[0]) == timedelta(hours=25)


# -- pacing ------------------------------------------------------------------------------


async def test_pacing_posts_the_letter_then_the_reply_then_the_prompt(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        (reply,) = await bot.command("/pace reply +10m prompt +20m")
        assert "letter at the session time, reply +10m, prompt +20m" in reply
        clock.now = TUE_19
        sent = await fire(bot)
        assert len(sent) == 1 and "From the letter" in sent[0]
        assert jobs(bot, "pace:") == [f"pace:{GROUP}:prompt", f"pace:{GROUP}:reply"]
        (status,) = await bot.command("/status")
        assert "the reply at Tue 1 Dec 2026 19:10; then Thu 3 Dec 2026 19:00" in status
        assert await fire(bot, f"pace:{GROUP}:reply") == []  # not yet by the clock
        clock.now = TUE_19 + timedelta(minutes=10)
        (sent,) = await fire(bot, f"pace:{GROUP}:reply")
        assert "The reply" in sent
        clock.now = TUE_19 + timedelta(minutes=20)
        (sent,) = await fire(bot, f"pace:{GROUP}:prompt")
        assert "Reply to this message to answer" in sent


async def test_pacing_survives_a_restart_and_posts_what_came_due_while_down(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pace reply +1d prompt +2d")
        clock.now = TUE_19
        await fire(bot)
    clock.now = TUE_19 + timedelta(hours=1)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert not any("The reply" in t for t in bot.texts())
        assert jobs(bot, "pace:") == [f"pace:{GROUP}:prompt", f"pace:{GROUP}:reply"]
        assert next_fire(bot, clock.now, f"pace:{GROUP}:reply") == TUE_19 + timedelta(days=1)
    clock.now = TUE_19 + timedelta(days=1, hours=1)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert sum("The reply" in t for t in bot.texts()) == 1
        assert jobs(bot, "pace:") == [f"pace:{GROUP}:prompt"]


async def test_a_session_that_comes_before_the_paced_prompt_completes_the_point(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot, "daily 19:00")
        (reply,) = await bot.command("/pace reply +1d prompt +2d")
        assert "as little as 1d apart" in reply
        clock.now = TUE_19
        await fire(bot)
        clock.now = TUE_19 + timedelta(days=1)
        sent = await fire(bot)
        # The reply and the prompt, not point 2.
        assert headings(sent) == point_headings(1, ("reply", "prompt"))
        clock.now = TUE_19 + timedelta(days=2)
        assert headings(await fire(bot)) == point_headings(2, ("letter",))


async def test_next_posts_the_rest_of_a_paced_point_at_once(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pace reply +1d prompt +2d")
        clock.now = TUE_19
        await fire(bot)
        sent = await bot.command("/next")
        assert headings(sent) == point_headings(1, ("reply", "prompt"))
        clock.now = TUE_19 + timedelta(days=1)
        assert await fire(bot, f"pace:{GROUP}:reply") == []


# -- reminder ----------------------------------------------------------------------------


async def test_a_reminder_is_one_group_message_with_the_answer_count(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        (reply,) = await bot.command("/remind 2h")
        assert "The next: Tue 1 Dec 2026 17:00." in reply
        clock.now = TUE_19 - timedelta(hours=3)
        assert await fire(bot, f"remind:{GROUP}") == []  # early by the clock: waits
        assert next_fire(bot, clock.now, f"remind:{GROUP}") == TUE_19 - timedelta(hours=2)
        clock.now = TUE_19 - timedelta(hours=2)
        assert await fire(bot, f"remind:{GROUP}") == []  # nothing posted yet: nothing to remind
        clock.now = TUE_19
        await fire(bot)
        prompt = bot.api.sent_messages(GROUP)[-1]
        api.send_text(GROUP, ALICE, "An answer.", reply_to=prompt["message_id"])
        await bot.settle()
        assert next_fire(bot, clock.now, f"remind:{GROUP}") == THU_19 - timedelta(hours=2)
        clock.now = THU_19 - timedelta(hours=2)
        sent = await fire(bot, f"remind:{GROUP}")
        assert sent == [
            "⏰ Point 1 closes in 2h: 1 member has answered so far. "
            "Reply to the point's messages to answer."
        ]
        assert next_fire(bot, clock.now, f"remind:{GROUP}") == datetime(
            2026, 12, 8, 17, 0, tzinfo=BERLIN
        )
        (off,) = await bot.command("/remind off")
        assert "Reminder off." in off
        assert jobs(bot, "remind:") == []
        (bad,) = await bot.command("/remind soon")
        assert 'Not a duration: "soon"' in bad


# -- restarts ----------------------------------------------------------------------------


async def test_a_restart_re_arms_every_active_circle_from_the_database(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/remind 1h")
        said = len(bot.texts())
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert next_fire(bot, clock.now) == TUE_19
        assert next_fire(bot, clock.now, f"remind:{GROUP}") == TUE_19 - timedelta(hours=1)
        assert len(bot.texts()) == said  # nothing was missed, so nothing is said


async def test_a_session_missed_while_down_is_posted_late_within_the_grace(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
    clock.now = TUE_19 + timedelta(minutes=40)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert next_fire(bot, clock.now) == THU_19
    new = bot.texts()[2:]
    assert new[0] == "Posting the 19:00 session late: the bot was offline."
    assert headings(new) == point_headings(1)


async def test_a_session_missed_beyond_the_grace_is_skipped_and_the_group_told(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
    clock.now = TUE_19 + timedelta(hours=3)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert bot.texts()[2:] == [
            "The bot was offline at 19:00 Tue 1 Dec; the next session is Thu 3 Dec 19:00."
        ]
        clock.now = THU_19
        assert headings(await fire(bot)) == point_headings(1)
    async with bot_at(api, tmp_path, clock) as bot:  # told once, not at every start
        await bot.settle()
    assert sum(t.startswith("The bot was offline") for t in bot.texts()) == 1


async def test_a_long_outage_posts_at_most_one_session(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot, "daily 19:00")
    clock.now = datetime(2026, 12, 5, 19, 30, tzinfo=BERLIN)  # five sessions missed
    async with bot_at(api, tmp_path, clock, late_grace_minutes=45) as bot:
        await bot.settle()
    assert headings(bot.texts()) == point_headings(1)
    assert "Posting the 19:00 session late" in bot.texts()[2]


async def test_a_paused_circle_is_not_caught_up_after_a_restart(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        await bot.command("/pause")
    clock.now = TUE_19 + timedelta(minutes=10)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert jobs(bot, "session:") == [SESSION]
        await bot.command("/resume")
    assert headings(bot.texts()) == []


async def test_a_one_off_session_posts_once_and_is_not_re_armed_after(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        (reply,) = await scheduled(bot, "2026-12-01 19:00")
        assert "once, on Tue 1 Dec 2026 at 19:00" in reply
        clock.now = TUE_19
        assert headings(await fire(bot)) == point_headings(1)
    clock.now = TUE_19 + timedelta(minutes=5)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert jobs(bot, "session:") == []
        (status,) = await bot.command("/status")
        assert "Next scheduled post: none (post with /next)" in status
    assert headings(bot.texts()) == point_headings(1)


async def test_a_forum_circle_links_answers_inside_its_topic(forum_api, tmp_path):
    api = forum_api
    topic = api.create_topic(GROUP, "Reading")
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.command("/circle_start", thread_id=topic)
        await bot.command("/schedule daily 19:00", thread_id=topic)
        clock.now = TUE_19
        await fire(bot)
        prompt = api.sent_messages(GROUP)[-1]
        api.send_text(GROUP, ALICE, "Yes.", reply_to=prompt["message_id"], thread_id=topic)
        await bot.settle()
        clock.now = TUE_19 + timedelta(days=1)
        await fire(bot)
    (digest,) = [m for m in api.sent_messages(GROUP) if m.get("text", "").startswith("📝")]
    assert digest["message_thread_id"] == topic
    (link,) = [e["url"] for e in digest["entities"] if e["type"] == "text_link"]
    assert link.startswith(f"https://t.me/c/123/{topic}/")


async def test_a_circle_scheduled_before_the_bookkeeping_existed_owes_nothing(api, tmp_path):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await scheduled(bot)
        bot.app.bot_data.store.execute("UPDATE circles SET last_slot_at = NULL")
    clock.now = TUE_19 + timedelta(minutes=10)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        assert headings(bot.texts()) == []
        clock.now = THU_19
        assert headings(await fire(bot)) == point_headings(1)
