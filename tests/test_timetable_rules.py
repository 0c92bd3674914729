"""The timetable's pure decisions (bot/schedule/timetable.py): which slot is due, what downtime
cost, which slot a /next counts as, which paced parts are due, what comes next. No database,
no clock: every case is a schedule, the bookkeeping and `now`.

Also the two fixes of the redesign, pinned where they are decided: a slot a /next claimed is
not "next" any more (BUG 1), and /status never offers "post with /next" to a circle that
would refuse it (BUG 2).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import reads
from bot.circles import Circles
from bot.model import load_circle
from bot.reads import NextPost
from bot.schedule import parse_pace, parse_schedule
from bot.schedule.timetable import (
    MIN_MISFIRE,
    MISSED,
    NOTHING,
    RUN,
    SKIP,
    TOLERANCE,
    Due,
    claimable_slot,
    due_parts,
    due_session,
    earlier,
    late_limit,
    misfire_seconds,
    upcoming,
)
from bot.sessions import open_session, run_due
from bot.text import organizer
from bot.text.dates import when
from tests.engine_helpers import walk

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday
SLOT = datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)  # a daily 19:00 session
GRACE = timedelta(minutes=30)
DAILY = parse_schedule("daily 19:00", "Europe/Berlin", NOW)
ON_THE_DAY = ((date(2026, 12, 1), date(2026, 12, 1)),)
DEALT_WITH = SLOT - timedelta(days=1)  # yesterday's session was dealt with


def due(now, *, last=DEALT_WITH, paused=False, holidays=(), restarted=False, grace=GRACE):
    return due_session(DAILY, holidays, paused, last, now, grace, restarted)


# -- due_session -------------------------------------------------------------------------


def test_the_session_runs_at_its_slot():
    assert due(SLOT) == Due(RUN, slot=SLOT, handled_until=SLOT)


def test_a_job_firing_a_few_seconds_early_still_runs_its_slot():
    assert due(SLOT - TOLERANCE + timedelta(seconds=1)) == Due(RUN, slot=SLOT, handled_until=SLOT)


def test_between_slots_nothing_is_due():
    assert due(SLOT - timedelta(hours=1)).action == NOTHING
    assert due(SLOT + timedelta(minutes=5), last=SLOT).action == NOTHING  # dealt with


def test_without_a_schedule_nothing_is_ever_due():
    assert due_session(None, (), False, None, SLOT, GRACE, True) == Due(NOTHING)


def test_after_downtime_a_slot_within_the_grace_runs_late():
    result = due(SLOT + timedelta(minutes=10), restarted=True)
    assert result == Due(RUN, slot=SLOT, handled_until=SLOT, late=True)


def test_a_job_held_up_by_a_busy_loop_runs_without_a_late_notice():
    result = due(SLOT + timedelta(seconds=30), grace=timedelta(0))
    assert (result.action, result.late) == (RUN, False)


def test_a_slot_missed_beyond_the_grace_is_reported_not_run():
    result = due(SLOT + timedelta(hours=2), restarted=True)
    assert result == Due(MISSED, slot=SLOT, handled_until=SLOT)


def test_a_paused_circle_skips_its_slot_and_marks_it_dealt_with():
    result = due(SLOT, paused=True)
    assert result == Due(SKIP, slot=SLOT, handled_until=SLOT, reason="paused")


def test_a_slot_on_a_holiday_is_skipped():
    result = due(SLOT, holidays=ON_THE_DAY)
    assert result == Due(SKIP, slot=SLOT, handled_until=SLOT, reason="on holiday")


def test_nothing_is_owed_from_before_the_bookkeeping_existed():
    result = due(SLOT + timedelta(minutes=10), last=None, restarted=True)
    assert (result.action, result.slot) == (SKIP, None)
    assert result.handled_until == SLOT + timedelta(minutes=10)  # everything up to now


def test_a_job_firing_without_bookkeeping_still_runs_its_own_slot():
    assert due(SLOT, last=None).action == RUN


def test_at_most_one_session_however_many_slots_were_missed():
    a_week_down = SLOT - timedelta(days=7)
    result = due(SLOT + timedelta(minutes=10), last=a_week_down, restarted=True)
    assert result == Due(RUN, slot=SLOT, handled_until=SLOT, late=True)
    too_late = due(SLOT + timedelta(hours=2), last=a_week_down, restarted=True)
    assert too_late == Due(MISSED, slot=SLOT, handled_until=SLOT)


def test_missed_slots_ending_on_a_holiday_report_the_last_real_one_and_mark_all():
    a_week_down = SLOT - timedelta(days=7)
    result = due(SLOT + timedelta(minutes=10), last=a_week_down, holidays=ON_THE_DAY)
    assert result == Due(MISSED, slot=SLOT - timedelta(days=1), handled_until=SLOT)


# -- claimable_slot ----------------------------------------------------------------------


def claim(now, last=DEALT_WITH, holidays=(), grace=GRACE):
    return claimable_slot(DAILY, holidays, last, now, grace)


@pytest.mark.parametrize("offset", [timedelta(minutes=-29), timedelta(minutes=29)])
def test_a_next_within_the_window_either_side_of_a_slot_claims_it(offset):
    assert claim(SLOT + offset) == SLOT


def test_a_next_outside_the_window_claims_nothing():
    assert claim(SLOT - timedelta(hours=2)) is None
    assert claim(SLOT + timedelta(hours=2)) is None


def test_a_slot_already_dealt_with_cannot_be_claimed_again():
    assert claim(SLOT - timedelta(minutes=5), last=SLOT) is None


def test_without_a_schedule_no_slot_is_claimed():
    assert claimable_slot(None, (), None, SLOT, GRACE) is None


def test_a_slot_on_a_holiday_is_not_claimed():
    assert claim(SLOT - timedelta(minutes=5), holidays=ON_THE_DAY) is None


def test_with_no_grace_the_claim_window_is_still_a_minute():
    assert claim(SLOT - timedelta(seconds=30), grace=timedelta(0)) == SLOT
    assert claim(SLOT - timedelta(minutes=2), grace=timedelta(0)) is None


# -- due_parts, late_limit ---------------------------------------------------------------


def test_an_unpaced_session_is_due_all_at_once():
    assert due_parts(parse_pace("off"), SLOT, "Europe/Berlin", SLOT) == {
        "letter",
        "reply",
        "prompt",
        "poll",
    }


def test_nothing_is_due_before_the_session_began():
    pacing = parse_pace("reply +10m prompt +20m")
    assert due_parts(pacing, SLOT, "Europe/Berlin", SLOT - timedelta(minutes=1)) == frozenset()


def test_whole_days_of_pacing_keep_the_wall_clock_across_a_dst_change():
    pacing = parse_pace("reply +1d prompt +2d")
    saturday = datetime(2026, 3, 28, 19, 0, tzinfo=BERLIN)  # clocks go forward that night
    sunday = datetime(2026, 3, 29, 19, 0, tzinfo=BERLIN)
    assert due_parts(pacing, saturday, "Europe/Berlin", sunday - timedelta(minutes=1)) == {"letter"}
    assert due_parts(pacing, saturday, "Europe/Berlin", sunday) == {"letter", "reply"}


def test_the_late_limit_is_the_grace_after_downtime_and_at_least_a_minute_otherwise():
    assert late_limit(GRACE, restarted=True) == GRACE
    assert late_limit(GRACE, restarted=False) == GRACE
    assert late_limit(timedelta(0), restarted=True) == timedelta(0)
    assert late_limit(timedelta(0), restarted=False) == MIN_MISFIRE
    assert misfire_seconds(timedelta(0)) == 60
    assert misfire_seconds(GRACE) == 30 * 60


# -- BUG 1: a claimed slot is not the next session any more -----------------------------

CHAT = -1001
NOON = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)
CLAIMED = datetime(2025, 6, 4, 12, 5, tzinfo=UTC)
TOMORROW = CLAIMED + timedelta(days=1)
AT_12_05 = parse_schedule("daily 12:05", "UTC", NOON)
TEN_MINUTES = timedelta(minutes=10)


def test_after_next_claims_the_12_05_slot_upcoming_no_longer_lists_it():
    assert upcoming(AT_12_05, (), NOON, count=1) == [CLAIMED]  # before the claim
    assert upcoming(AT_12_05, (), NOON, last_slot_at=CLAIMED, count=2) == [
        TOMORROW,
        TOMORROW + timedelta(days=1),
    ]


def test_upcoming_skips_holidays_and_is_empty_without_a_schedule():
    tomorrow_off = ((TOMORROW.date(), TOMORROW.date()),)
    assert upcoming(AT_12_05, tomorrow_off, NOON, CLAIMED, 1) == [TOMORROW + timedelta(days=1)]
    assert upcoming(None, (), NOON) == []


@pytest.fixture
def circles(store, tiny_exchange):
    circles = Circles(store, {tiny_exchange.id: tiny_exchange})
    circles.start(CHAT, "tiny", NOON - timedelta(hours=1), 42)
    return circles


def test_after_next_claims_the_12_05_slot_status_and_the_reminder_name_the_next_day(circles):
    store, exchanges = circles.store, circles.exchanges
    circles.set_schedule(CHAT, AT_12_05, NOON - timedelta(hours=1), 42)
    before = timedelta(minutes=30)
    circles.set_reminder(CHAT, before, NOON - timedelta(hours=1), 42)

    plan = open_session(store, exchanges, CHAT, NOON, TEN_MINUTES)
    assert plan.claimed == CLAIMED
    walk(store, plan.delivery, NOON, itertools.count(100))

    status = reads.status(store, exchanges, CHAT, NOON)
    assert status.next_post == NextPost("session", at=TOMORROW)
    shown = organizer.next_post(status.next_post, status.timezone)
    assert when(TOMORROW) in shown
    assert when(CLAIMED) not in shown
    # The reminder, as the timetable arms it: for the first session after now + before.
    circle = load_circle(store, CHAT)
    settings = circle.settings
    runs = upcoming(
        settings.schedule, settings.holidays, NOON + before, circle.marks.last_slot_at, 1
    )
    assert runs == [TOMORROW]
    assert earlier(runs[0], before) == TOMORROW - before
    # And the 12:05 job, when it fires, has nothing left to do.
    assert run_due(store, exchanges, CHAT, CLAIMED, TEN_MINUTES, restarted=False) is None


# -- BUG 2: never "post with /next" where /next would be refused -------------------------


def next_post_of(circles, now=NOON):
    return reads.next_post(load_circle(circles.store, CHAT), None, now)


def test_a_running_circle_without_a_schedule_is_told_to_post_with_next(circles):
    assert next_post_of(circles) == NextPost("none")
    assert "post with /next" in organizer.next_post(NextPost("none"), "UTC")


def test_a_paused_circle_without_a_schedule_is_told_to_resume_first(circles):
    circles.pause(CHAT, NOON, 42)
    result = next_post_of(circles)
    assert result == NextPost("paused")
    shown = organizer.next_post(result, "UTC")
    assert "post with /next" not in shown
    assert "/resume" in shown


def test_a_paused_circle_with_a_schedule_names_the_session_but_says_it_is_paused(circles):
    circles.set_schedule(CHAT, AT_12_05, NOON, 42)
    circles.pause(CHAT, NOON, 42)
    result = next_post_of(circles)
    assert result == NextPost("paused", then=CLAIMED)
    shown = organizer.next_post(result, "UTC")
    assert "post with /next" not in shown
    assert "paused" in shown
    assert "/resume" in shown


@pytest.mark.parametrize("end", ["stop", "finish"])
def test_a_stopped_or_finished_circle_has_ended(circles, end):
    circles.set_schedule(CHAT, AT_12_05, NOON, 42)
    if end == "stop":
        circles.stop(CHAT, NOON, 42)
    else:
        circles.goto(CHAT, 3, NOON, 42)
        circles.skip(CHAT, NOON, 42)
    assert load_circle(circles.store, CHAT).state in ("stopped", "finished")
    result = next_post_of(circles)
    assert result == NextPost("ended")
    shown = organizer.next_post(result, "UTC")
    assert "post with /next" not in shown
    assert "/restart" in shown


@pytest.mark.parametrize("end", ["pause", "stop", "finish"])
def test_status_never_says_post_with_next_for_a_circle_that_would_refuse_it(circles, end):
    if end == "pause":
        circles.pause(CHAT, NOON, 42)
    elif end == "stop":
        circles.stop(CHAT, NOON, 42)
    else:
        circles.goto(CHAT, 3, NOON, 42)
        circles.skip(CHAT, NOON, 42)
    store, exchanges = circles.store, circles.exchanges
    refused = open_session(store, exchanges, CHAT, NOON, TEN_MINUTES)
    assert isinstance(refused, reads.Refusal)  # /next would be refused ...
    status = reads.status(store, exchanges, CHAT, NOON)
    assert status.next_post.kind in ("paused", "ended")
    assert "post with /next" not in organizer.status(status, None)  # ... so it is not offered
