"""The timetable's engine side: bookkeeping (bot/sessions.py, bot/circles.py), the pure slot
arithmetic (bot/schedule/timetable.py) and digests (bot/reads.py, bot/text/posts.py)."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import answers, reads
from bot.circles import Circles
from bot.model import Refusal, load_circle
from bot.posting import begin_post, record_post
from bot.reads import Digest
from bot.schedule import parse_pace, parse_schedule
from bot.schedule.timetable import due_parts, slots_between
from bot.sessions import _mark_slot, delivery_now, open_session, run_due
from bot.text.posts import MAX_LINKS, MAX_NAMES, answer_link
from bot.text.posts import digest as render_digest
from tests.engine_helpers import GRACE, walk

CHAT = -1001
BASIC_GROUP = -4001
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday
TUE_19 = datetime(2026, 12, 1, 19, tzinfo=BERLIN)


@pytest.fixture
def service(store, tiny_exchange):
    service = Circles(store, {tiny_exchange.id: tiny_exchange})
    service.start(CHAT, "tiny", NOW, 42, timezone="Europe/Berlin")
    return service


def schedule(spec: str, tz: str = "Europe/Berlin"):
    parsed = parse_schedule(spec, tz, NOW)
    assert parsed is not None
    return parsed


def circle(service):
    return load_circle(service.store, CHAT)


def marks(service):
    return circle(service).marks


def post_point(service, now, ids):
    """/next, then post what it delivers."""
    plan = open_session(service.store, service.exchanges, CHAT, now, GRACE)
    assert not isinstance(plan, Refusal)
    return walk(service.store, plan.delivery, now, ids)


def scheduled_session(service, now):
    """The session job firing at `now`: what run_due decided."""
    return run_due(service.store, service.exchanges, CHAT, now, GRACE, restarted=False)


def paced_now(service, now):
    """What a pace job would post at `now` (only in a visit a scheduled session began)."""
    return delivery_now(service.store, service.exchanges, CHAT, now, paced=True, session_only=True)


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
    result = service.set_schedule(CHAT, schedule("mon 18:30 America/New_York"), NOW, 42)
    assert result.settings.schedule.spec == "mon 18:30 America/New_York"
    assert result.timezone == "America/New_York"
    assert marks(service).last_slot_at == NOW  # nothing before now is owed
    assert service.set_schedule(CHAT, None, NOW, 42).settings.schedule is None


def test_the_timetable_of_a_chat_without_a_circle_is_refused(service):
    assert isinstance(service.set_schedule(-5, None, NOW, 42), Refusal)
    assert isinstance(service.add_holiday(-5, (date(2026, 12, 24),) * 2, NOW, 42), Refusal)


def test_the_last_slot_mark_never_moves_backwards(service):
    _mark_slot(service.store, circle(service).id, NOW + timedelta(hours=2))
    _mark_slot(service.store, circle(service).id, NOW + timedelta(hours=1))
    assert marks(service).last_slot_at == NOW + timedelta(hours=2)


def test_due_parts_apply_only_to_the_posting_slot_of_the_scheduled_session(service):
    service.set_pacing(CHAT, parse_pace("reply +10m prompt +20m"), NOW, 42)
    service.set_schedule(CHAT, schedule("tue,thu 19:00"), NOW, 42)
    assert paced_now(service, NOW) is None  # no scheduled session yet
    outcome = scheduled_session(service, TUE_19)
    assert [out.key for out in outcome.plan.delivery.messages] == ["letter"]
    assert outcome.plan.delivery.paced
    assert [out.key for out in paced_now(service, TUE_19).messages] == ["letter"]
    assert set(circle(service).pace_times()) == {"letter", "reply", "prompt"}
    service.skip(CHAT, TUE_19, 42)  # the visit moved on: pacing no longer applies
    assert paced_now(service, TUE_19 + timedelta(hours=1)) is None
    assert circle(service).pace_times() == {}


def test_the_default_schedule_applies_once_and_never_after_an_organizer_cleared_it(service):
    applied = service.apply_default_schedule(CHAT, "tue,thu 19:00", NOW)
    assert applied.settings.schedule.spec == "tue,thu 19:00 Europe/Berlin"
    assert service.apply_default_schedule(CHAT, "daily 08:00", NOW) is None
    service.set_schedule(CHAT, None, NOW, 42)
    assert service.apply_default_schedule(CHAT, "tue,thu 19:00", NOW) is None
    assert circle(service).settings.schedule is None


def test_no_default_schedule_or_a_past_one_off_changes_nothing(service):
    assert service.apply_default_schedule(CHAT, "", NOW) is None
    assert service.apply_default_schedule(CHAT, "2020-01-01 10:00", NOW) is None


def test_holidays_are_kept_sorted_without_duplicates_and_cleared(service):
    christmas = (date(2026, 12, 21), date(2027, 1, 4))
    service.add_holiday(CHAT, christmas, NOW, 42)
    service.add_holiday(CHAT, (date(2026, 12, 8), date(2026, 12, 8)), NOW, 42)
    result = service.add_holiday(CHAT, christmas, NOW, 42)
    assert result.settings.holiday_texts() == ["2026-12-08", "2026-12-21..2027-01-04"]
    assert service.clear_holidays(CHAT, NOW, 42).settings.holidays == ()


# -- digest ------------------------------------------------------------------------------


def test_a_digest_counts_answers_and_names_each_member_once(service):
    ids = itertools.count(100)
    post_point(service, NOW, ids)
    answers.record_answer(service.store, CHAT, 500, 7, "Ann", 100, NOW, text="One")
    answers.record_answer(service.store, CHAT, 501, 8, "Bob", 102, NOW, text="Two")
    answers.record_answer(service.store, CHAT, 502, 7, "Ann", 101, NOW, text="Three")
    run_id = circle(service).run_id
    digest = reads.point_digest(service.store, run_id, 0, "First point")
    assert digest == Digest(
        1, "First point", 3, ("Ann", "Bob"), ((CHAT, 500), (CHAT, 501), (CHAT, 502))
    )
    assert reads.point_digest(service.store, run_id, 1, "Second point").answer_count == 0
    # The session that closes the point carries the same digest.
    plan = open_session(service.store, service.exchanges, CHAT, NOW, GRACE)
    assert plan.closed == digest


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
    service.set_schedule(CHAT, schedule("tue,thu 19:00"), NOW, 42)
    scheduled_session(service, TUE_19)  # a scheduled session begins the visit
    assert marks(service).session_visit == circle(service).visit
    later = NOW + timedelta(days=6)
    service.stop(CHAT, NOW + timedelta(days=1), 42)
    service.restart(CHAT, later, 42)
    after = marks(service)
    assert (after.last_slot_at, after.session_started_at, after.session_visit) == (
        later,
        None,
        None,
    )


def test_resume_marks_the_pause_as_dealt_with_but_never_moves_the_mark_back(service):
    service.set_schedule(CHAT, schedule("tue,thu 19:00"), NOW, 42)
    service.pause(CHAT, NOW, 42)
    week = NOW + timedelta(days=7)
    assert service.resume(CHAT, week, 42).state == "running"
    assert marks(service).last_slot_at == week
    slot = TUE_19 + timedelta(days=7)
    plan = open_session(service.store, service.exchanges, CHAT, slot - timedelta(minutes=5), GRACE)
    assert plan.claimed == slot  # a /next claimed the session ahead
    service.pause(CHAT, week, 42)
    service.resume(CHAT, week + timedelta(minutes=1), 42)
    assert marks(service).last_slot_at == slot


# -- transaction budget ------------------------------------------------------------------


def test_a_scheduled_session_with_its_digest_costs_few_transactions(service):
    """One session at a slot: close the posted point (digest), open the next, post it. A
    count of transactions, not a time: messages + 3 at most (the posting protocol alone
    costs messages + 1)."""
    store = service.store
    service.set_schedule(CHAT, schedule("tue,thu 19:00"), NOW, 42)
    ids = itertools.count(100)
    first = post_point(service, NOW, ids)
    answers.record_answer(store, CHAT, 500, 7, "Ann", first["prompt"], NOW, text="One")

    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        outcome = scheduled_session(service, TUE_19)
        delivery = outcome.plan.delivery
        sent = walk(store, delivery, TUE_19, ids)
    finally:
        store.db.conn.set_trace_callback(None)

    assert outcome.plan.closed.answer_count == 1
    assert list(sent) == ["letter", "reply", "prompt", "poll"]
    transactions = sum(1 for sql in statements if sql.lstrip().upper().startswith("BEGIN"))
    assert transactions <= len(delivery.messages) + 3, statements


def test_the_walk_begins_each_next_message_in_the_same_transaction(service):
    """record_post confirms a message and begins the next: n messages, n + 1 transactions."""
    store = service.store
    delivery = delivery_now(store, service.exchanges, CHAT, NOW)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        letter, reply = delivery.messages[:2]
        assert begin_post(store, delivery, letter, NOW)
        assert record_post(store, delivery, letter, 100, NOW, begin_next=reply)
    finally:
        store.db.conn.set_trace_callback(None)
    assert sum(1 for sql in statements if sql.upper().startswith("BEGIN")) == 2
    rows = store.all("SELECT key, status FROM posts ORDER BY id")
    assert rows == [{"key": "letter", "status": "sent"}, {"key": "reply", "status": "sending"}]
