"""The timetable's engine side: bookkeeping (bot/timekeeping.py) and digests (bot/digest.py)."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.circle import CircleService, Refusal
from bot.digest import MAX_LINKS, MAX_NAMES, Digest, answer_link, render_digest
from bot.schedule import parse_pace, parse_schedule
from bot.timekeeping import due_parts, slots_between

CHAT = -1001
BASIC_GROUP = -4001
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday


@pytest.fixture
def service(store, tiny_exchange):
    service = CircleService(store, {tiny_exchange.id: tiny_exchange})
    service.start(CHAT, "tiny", NOW, 42, timezone="Europe/Berlin")
    return service


def schedule(spec: str, tz: str = "Europe/Berlin"):
    parsed = parse_schedule(spec, tz, NOW)
    assert parsed is not None
    return parsed


def post_point(service, now, ids):
    while (pending := service.next_post(CHAT)) is not None:
        service.begin_post(CHAT, pending.key, now, cursor=pending.cursor)
        service.record_post(CHAT, pending.key, next(ids), now, cursor=pending.cursor)


# -- slots -------------------------------------------------------------------------------


def test_slots_between_lists_the_sessions_in_the_window_in_local_time():
    slots = slots_between(schedule("tue,thu 19:00"), NOW, NOW + timedelta(days=8))
    assert slots == [
        datetime(2026, 12, 1, 19, tzinfo=BERLIN),
        datetime(2026, 12, 3, 19, tzinfo=BERLIN),
        datetime(2026, 12, 8, 19, tzinfo=BERLIN),
    ]


def test_slots_between_excludes_the_start_includes_the_end_and_skips_holidays():
    tue = datetime(2026, 12, 1, 19, tzinfo=BERLIN)
    thu = datetime(2026, 12, 3, 19, tzinfo=BERLIN)
    daily = schedule("daily 19:00")
    assert slots_between(daily, tue, thu) == [datetime(2026, 12, 2, 19, tzinfo=BERLIN), thu]
    assert slots_between(daily, tue, thu, [(date(2026, 12, 2), date(2026, 12, 2))]) == [thu]


def test_a_one_off_is_one_slot_and_only_once():
    once = schedule("2026-12-02 19:00")
    assert slots_between(once, NOW, NOW + timedelta(days=30)) == [
        datetime(2026, 12, 2, 19, tzinfo=BERLIN)
    ]
    assert slots_between(once, NOW + timedelta(days=2), NOW + timedelta(days=30)) == []


def test_due_parts_follow_the_pacing_and_the_poll_goes_with_the_prompt():
    pacing = parse_pace("reply +10m prompt +20m")
    start = datetime(2026, 12, 1, 19, tzinfo=BERLIN)
    assert due_parts(pacing, start, "Europe/Berlin", start) == {"letter"}
    at_15 = start + timedelta(minutes=15)
    assert due_parts(pacing, start, "Europe/Berlin", at_15) == {"letter", "reply"}
    at_20 = start + timedelta(minutes=20)
    assert due_parts(pacing, start, "Europe/Berlin", at_20) == {
        "letter",
        "reply",
        "prompt",
        "poll",
    }


# -- bookkeeping -------------------------------------------------------------------------


def test_setting_a_schedule_stores_its_canonical_spec_and_time_zone(service):
    result = service.set_timetable(CHAT, schedule("mon 18:30 America/New_York"), NOW, 42)
    assert result.schedule == "mon 18:30 America/New_York"
    assert result.timezone == "America/New_York"
    assert service.marks(CHAT).last_slot_at == NOW  # nothing before now is owed
    assert service.set_timetable(CHAT, None, NOW, 42).schedule is None


def test_the_timetable_of_a_chat_without_a_circle_is_refused(service):
    assert isinstance(service.set_timetable(-5, None, NOW, 42), Refusal)
    assert isinstance(service.add_holiday(-5, (date(2026, 12, 24),) * 2, NOW, 42), Refusal)


def test_the_last_slot_mark_never_moves_backwards(service):
    service.mark_slot(CHAT, NOW + timedelta(hours=2))
    service.mark_slot(CHAT, NOW + timedelta(hours=1))
    assert service.marks(CHAT).last_slot_at == NOW + timedelta(hours=2)


def test_due_parts_apply_only_to_the_posting_slot_of_the_scheduled_session(service):
    service.set_pacing(CHAT, "reply +10m prompt +20m", NOW, 42)
    assert service.due_parts(CHAT, NOW) is None  # no scheduled session yet
    cursor = service.circle(CHAT).cursor
    service.mark_session(CHAT, NOW, NOW, cursor)
    assert service.due_parts(CHAT, NOW) == {"letter"}
    assert set(service.pace_times(CHAT)) == {"letter", "reply", "prompt"}
    service.skip(CHAT, NOW, 42)  # the slot moved on: pacing no longer applies
    assert service.due_parts(CHAT, NOW) is None
    assert service.pace_times(CHAT) == {}


def test_the_default_schedule_applies_once_and_never_after_an_organizer_cleared_it(service):
    applied = service.apply_default_schedule(CHAT, "tue,thu 19:00", NOW)
    assert applied.schedule == "tue,thu 19:00 Europe/Berlin"
    assert service.apply_default_schedule(CHAT, "daily 08:00", NOW) is None
    service.set_timetable(CHAT, None, NOW, 42)
    assert service.apply_default_schedule(CHAT, "tue,thu 19:00", NOW) is None
    assert service.circle(CHAT).schedule is None


def test_no_default_schedule_or_a_past_one_off_changes_nothing(service):
    assert service.apply_default_schedule(CHAT, "", NOW) is None
    assert service.apply_default_schedule(CHAT, "2020-01-01 10:00", NOW) is None


def test_holidays_are_kept_sorted_without_duplicates_and_cleared(service):
    christmas = (date(2026, 12, 21), date(2027, 1, 4))
    service.add_holiday(CHAT, christmas, NOW, 42)
    service.add_holiday(CHAT, (date(2026, 12, 8), date(2026, 12, 8)), NOW, 42)
    result = service.add_holiday(CHAT, christmas, NOW, 42)
    assert result.holidays == ("2026-12-08", "2026-12-21..2027-01-04")
    assert service.clear_holidays(CHAT, NOW, 42).holidays == ()


# -- digest ------------------------------------------------------------------------------


def test_a_digest_counts_answers_and_names_each_member_once(service):
    ids = itertools.count(100)
    service.open_session(CHAT, NOW)
    post_point(service, NOW, ids)
    service.record_answer(CHAT, 500, 7, "Ann", 100, NOW, text="One")
    service.record_answer(CHAT, 501, 8, "Bob", 102, NOW, text="Two")
    service.record_answer(CHAT, 502, 7, "Ann", 101, NOW, text="Three")
    digest = service.point_digest(CHAT, 0)
    assert digest == Digest(
        1, "First point", 3, ("Ann", "Bob"), ((CHAT, 500), (CHAT, 501), (CHAT, 502))
    )
    assert service.point_digest(CHAT, 1).answer_count == 0


def test_answer_links_exist_for_supergroups_and_forum_topics_only():
    assert answer_link(-1001234, 56) == "https://t.me/c/1234/56"
    assert answer_link(-1001234, 56, thread_id=7) == "https://t.me/c/1234/7/56"
    assert answer_link(BASIC_GROUP, 56) is None


def test_a_digest_message_is_short_however_many_answered():
    names = tuple(f"Member {n}" for n in range(30))
    messages = tuple((CHAT, n) for n in range(40))
    text = render_digest(Digest(2, "Second <point>", 40, names, messages))
    assert text.startswith("📝 <b>Point 2 · Second &lt;point&gt;</b> is closed.")
    assert "40 answers from 30 members" in text
    assert f"and {30 - MAX_NAMES} more" in text
    assert text.count("<a href=") == MAX_LINKS
    assert f"(+{40 - MAX_LINKS} more)" in text


def test_a_digest_in_a_basic_group_has_no_links():
    text = render_digest(Digest(1, "First", 1, ("Ann",), ((BASIC_GROUP, 9),)))
    assert "1 answer from 1 member: Ann" in text
    assert "<a href" not in text
    assert render_digest(Digest(1, "First", 0, (), ())).endswith("No answers this time.")


def test_a_new_run_owes_no_session_of_before_and_ends_any_pacing(service):
    service.set_timetable(CHAT, schedule("tue,thu 19:00"), NOW, 42)
    service.mark_session(CHAT, NOW, NOW, service.circle(CHAT).cursor)
    later = NOW + timedelta(days=6)
    service.stop(CHAT, NOW + timedelta(days=1), 42)
    service.restart(CHAT, later, 42)
    marks = service.marks(CHAT)
    assert (marks.last_slot_at, marks.session_started_at, marks.session_cursor) == (
        later,
        None,
        None,
    )


def test_resume_marks_the_pause_as_dealt_with_but_never_moves_the_mark_back(service):
    service.set_timetable(CHAT, schedule("tue,thu 19:00"), NOW, 42)
    service.pause(CHAT, NOW, 42)
    week = NOW + timedelta(days=7)
    assert service.resume(CHAT, week, 42).state == "running"
    assert service.marks(CHAT).last_slot_at == week
    claimed = week + timedelta(hours=9)  # a /next claimed a session ahead
    service.mark_slot(CHAT, claimed)
    service.pause(CHAT, week, 42)
    service.resume(CHAT, week + timedelta(minutes=1), 42)
    assert service.marks(CHAT).last_slot_at == claimed
