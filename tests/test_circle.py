import itertools
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import answers, reads
from bot.circles import Circles, Skipped
from bot.content import load_exchange
from bot.model import Refusal, load_active, load_circle
from bot.posting import Delivery, abandon_post, begin_post, record_post
from bot.render import render_point
from bot.schedule import parse_pace, parse_schedule
from bot.sessions import delivery_now, open_session, run_due
from bot.store import open_store
from tests import engine_helpers
from tests.engine_helpers import GRACE, walk

CHAT = -1001
OTHER_CHAT = -2002
ORGANIZER = 42
ANN, BOB, CY = 7, 8, 9
REAL_EXCHANGE = Path(__file__).parent.parent / "content" / "icl-tiananmen-2025"


@pytest.fixture
def library(tiny_exchange):
    return {tiny_exchange.id: tiny_exchange}


@pytest.fixture
def service(store, library):
    return Circles(store, library)


@pytest.fixture
def message_ids():
    """Telegram's message ids, as the fake chat hands them out."""
    return itertools.count(100)


@pytest.fixture
def reopen(db_path, library):
    """Simulate a crash: drop the engine and open the database file afresh."""
    opened = []

    def reopen_(service):
        service.store.close()
        store = open_store(db_path)
        opened.append(store)
        return Circles(store, library)

    yield reopen_
    for store in opened:
        store.close()


@pytest.fixture
def started(service, now):
    service.start(CHAT, "tiny", now, ORGANIZER)
    return service


def circle(service, chat=CHAT):
    return load_circle(service.store, chat)


def pending(service, now, chat=CHAT):
    """What the circle's current visit has to post now (None: nothing)."""
    return delivery_now(service.store, service.exchanges, chat, now)


def post_pending(service, now, message_ids, chat=CHAT):
    """What the bot does after open_session: send every pending message; key -> message id."""
    return walk(service.store, pending(service, now, chat), now, message_ids)


def next_session(service, now, message_ids, chat=CHAT):
    """The bot's /next: open the session, then post what it delivers."""
    return engine_helpers.next_session(service.store, service.exchanges, chat, now, message_ids)


def post_one(service, delivery, outgoing, message_id, now, **kwargs):
    """Begin and confirm one message, without beginning the next."""
    assert begin_post(service.store, delivery, outgoing, now)
    record_post(service.store, delivery, outgoing, message_id, now, **kwargs)


def attempts(service, key):
    return service.store.scalar("SELECT attempts FROM posts WHERE key = ?", [key]) or 0


def audit_actions(service):
    return [row["action"] for row in service.store.all("SELECT action FROM audit_log ORDER BY id")]


def answer(service, now, message_id, user_id, name, reply_to, text="An answer", **kwargs):
    return answers.record_answer(
        service.store, CHAT, message_id, user_id, name, reply_to, now, text, **kwargs
    )


# Starting ------------------------------------------------------------------------------------


def test_start_creates_a_running_circle_at_point_1_in_run_1(service, now):
    circle = service.start(CHAT, "tiny", now, ORGANIZER, thread_id=5, timezone="Europe/Berlin")
    assert circle.state == "running"
    assert circle.point_number == 1
    assert circle.run_number == 1
    assert circle.thread_id == 5
    assert circle.timezone == "Europe/Berlin"
    assert service.store.scalar("SELECT count(*) FROM runs") == 1


def test_a_new_circle_defaults_to_utc(service, now):
    assert service.start(CHAT, "tiny", now, ORGANIZER).timezone == "UTC"


def test_start_refuses_an_unknown_exchange_and_lists_the_known_ones(service, now):
    result = service.start(CHAT, "nope", now, ORGANIZER)
    assert isinstance(result, Refusal)
    assert "'nope'" in result.message
    assert "tiny" in result.message
    assert circle(service) is None


def test_start_refuses_while_a_circle_is_running(started, now):
    result = started.start(CHAT, "tiny", now, ORGANIZER)
    assert isinstance(result, Refusal)
    assert "already running" in result.message
    assert "/restart" in result.message


def test_start_refuses_while_a_circle_is_paused(started, now):
    started.pause(CHAT, now, ORGANIZER)
    result = started.start(CHAT, "tiny", now, ORGANIZER)
    assert isinstance(result, Refusal)
    assert "paused" in result.message


def test_start_after_a_stop_begins_run_2_and_keeps_the_settings(started, now):
    tuesdays = parse_schedule("tue 19:00", "Europe/Berlin", now)
    started.set_schedule(CHAT, tuesdays, now, ORGANIZER)
    started.stop(CHAT, now, ORGANIZER)
    circle = started.start(CHAT, "tiny", now, ORGANIZER)
    assert circle.state == "running"
    assert circle.run_number == 2
    assert circle.settings.schedule == tuesdays
    assert circle.settings.schedule.spec == "tue 19:00 Europe/Berlin"
    assert circle.timezone == "Europe/Berlin"


def test_circles_of_different_chats_are_independent(started, now):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    started.pause(OTHER_CHAT, now, ORGANIZER)
    assert circle(started).state == "running"
    assert circle(started, OTHER_CHAT).state == "paused"


# Pause, resume, stop -------------------------------------------------------------------------


def test_pause_then_resume(started, now):
    assert started.pause(CHAT, now, ORGANIZER).state == "paused"
    assert started.resume(CHAT, now, ORGANIZER).state == "running"


def test_pausing_a_paused_circle_is_refused(started, now):
    started.pause(CHAT, now, ORGANIZER)
    assert started.pause(CHAT, now, ORGANIZER) == Refusal("The circle is already paused.")


def test_resume_is_refused_when_the_circle_is_not_paused(started, now):
    assert started.resume(CHAT, now, ORGANIZER) == Refusal("The circle is not paused.")


def test_every_use_case_refuses_in_a_chat_without_a_circle(service, now, tiny_exchange):
    store, exchanges = service.store, service.exchanges
    daily = parse_schedule("daily 08:00", "UTC", now)
    christmas = (date(2025, 12, 25), date(2025, 12, 25))
    for result in (
        service.pause(CHAT, now, ORGANIZER),
        service.resume(CHAT, now, ORGANIZER),
        service.stop(CHAT, now, ORGANIZER),
        service.skip(CHAT, now, ORGANIZER),
        service.goto(CHAT, 1, now, ORGANIZER),
        service.restart(CHAT, now, ORGANIZER),
        open_session(store, exchanges, CHAT, now, GRACE),
        reads.status(store, exchanges, CHAT, now),
        reads.points_overview(store, exchanges, CHAT),
        service.set_schedule(CHAT, daily, now, ORGANIZER),
        service.set_pacing(CHAT, parse_pace("reply +1d prompt +2d"), now, ORGANIZER),
        service.add_holiday(CHAT, christmas, now, ORGANIZER),
        service.clear_holidays(CHAT, now, ORGANIZER),
        service.set_reminder(CHAT, timedelta(minutes=30), now, ORGANIZER),
    ):
        assert isinstance(result, Refusal)
        assert "no circle" in result.message
    assert pending(service, now) is None
    assert run_due(store, exchanges, CHAT, now, GRACE, restarted=False) is None
    assert service.apply_default_schedule(CHAT, "daily 08:00", now) is None
    # A delivery for a circle that is not there (deleted meanwhile) posts nothing.
    messages = tuple(render_point(tiny_exchange, 0))
    ghost = Delivery(999, CHAT, None, 1, 1, 0, "first", "First point", messages)
    assert begin_post(store, ghost, messages[0], now) is False
    assert record_post(store, ghost, messages[0], 1, now, begin_next=messages[1]) is False
    abandon_post(store, ghost, messages[0])
    assert store.scalar("SELECT count(*) FROM posts") == 0


def test_stop_ends_the_run(started, now):
    circle = started.stop(CHAT, now + timedelta(hours=1), ORGANIZER)
    assert circle.state == "stopped"
    assert started.store.scalar("SELECT finished_at FROM runs") == "2025-06-04T19:00:00+00:00"


def test_stopping_a_stopped_circle_is_refused(started, now):
    started.stop(CHAT, now, ORGANIZER)
    assert isinstance(started.stop(CHAT, now, ORGANIZER), Refusal)


def test_a_paused_circle_can_be_stopped(started, now):
    started.pause(CHAT, now, ORGANIZER)
    assert started.stop(CHAT, now, ORGANIZER).state == "stopped"


def test_organizer_actions_are_written_to_the_audit_log_with_the_actor(started, now):
    started.pause(CHAT, now, ORGANIZER)
    started.resume(CHAT, now, ORGANIZER)
    started.skip(CHAT, now, ORGANIZER)
    started.goto(CHAT, 1, now, ORGANIZER)
    started.restart(CHAT, now, ORGANIZER)
    started.stop(CHAT, now, ORGANIZER)
    assert audit_actions(started) == [
        "start",
        "pause",
        "resume",
        "skip",
        "goto",
        "restart",
        "stop",
    ]
    assert {row["actor_id"] for row in started.store.all("SELECT actor_id FROM audit_log")} == {
        ORGANIZER
    }


def test_a_refused_action_is_not_audited(started, now):
    started.resume(CHAT, now, ORGANIZER)
    assert audit_actions(started) == ["start"]


# Skip and goto -------------------------------------------------------------------------------


def test_skip_moves_to_the_next_point_without_posting_the_rest(started, now):
    delivery = pending(started, now)
    post_one(started, delivery, delivery.messages[0], 100, now)
    skipped = started.skip(CHAT, now, ORGANIZER)
    assert isinstance(skipped, Skipped)
    assert skipped.circle.point_number == 2
    assert skipped.closed is None  # point 1 was not fully out: no digest
    assert pending(started, now).point_index == 1
    assert pending(started, now).messages[0].key == "letter"


def test_skip_closes_a_fully_posted_point_with_its_digest(started, now, message_ids):
    _, sent = next_session(started, now, message_ids)
    answer(started, now, 500, ANN, "Ann", sent["prompt"])
    skipped = started.skip(CHAT, now, ORGANIZER)
    assert (skipped.closed.point_number, skipped.closed.answer_count) == (1, 1)
    assert skipped.closed.names == ("Ann",)


def test_skip_at_the_last_point_finishes_the_circle(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    skipped = started.skip(CHAT, now, ORGANIZER)
    assert skipped.circle.state == "finished"
    assert skipped.finished
    assert pending(started, now) is None


def test_skip_is_refused_on_a_finished_circle(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    started.skip(CHAT, now, ORGANIZER)
    result = started.skip(CHAT, now, ORGANIZER)
    assert isinstance(result, Refusal)
    assert "/restart" in result.message


def test_a_paused_circle_can_still_skip_and_goto(started, now):
    started.pause(CHAT, now, ORGANIZER)
    assert started.skip(CHAT, now, ORGANIZER).circle.point_number == 2
    circle = started.goto(CHAT, 3, now, ORGANIZER)
    assert (circle.point_number, circle.state) == (3, "paused")


def test_goto_makes_a_point_current(started, now):
    assert started.goto(CHAT, 3, now, ORGANIZER).point_number == 3
    assert pending(started, now).point_index == 2


@pytest.mark.parametrize("number", [0, 4, -1])
def test_goto_out_of_range_is_refused_with_the_range(started, now, number):
    assert started.goto(CHAT, number, now, ORGANIZER) == Refusal("There are 3 points: choose 1–3.")


def test_goto_an_already_posted_point_posts_it_again(started, now, message_ids):
    _, first = next_session(started, now, message_ids)
    started.goto(CHAT, 1, now, ORGANIZER)
    again = post_pending(started, now, message_ids)
    assert list(again) == ["letter", "reply", "prompt"]
    assert set(again.values()).isdisjoint(first.values())


def test_every_visit_of_a_point_bumps_the_visit(started, now):
    visits = [circle(started).visit]
    visits.append(started.skip(CHAT, now, ORGANIZER).circle.visit)
    visits.append(started.goto(CHAT, 2, now, ORGANIZER).visit)
    visits.append(started.restart(CHAT, now, ORGANIZER).visit)
    assert visits == sorted(set(visits))


# Restart -------------------------------------------------------------------------------------


def test_restart_begins_a_new_run_at_point_1(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    circle = started.restart(CHAT, now, ORGANIZER)
    assert (circle.run_number, circle.point_number, circle.state) == (2, 1, "running")
    finished = started.store.scalar("SELECT finished_at FROM runs WHERE number = 1")
    assert finished is not None


def test_restart_after_finishing_works(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    started.skip(CHAT, now, ORGANIZER)
    assert started.restart(CHAT, now, ORGANIZER).state == "running"


def test_restart_can_switch_to_another_exchange(started, now, library, tiny_exchange):
    library["other"] = replace(tiny_exchange, id="other", points=tiny_exchange.points[:1])
    circle = started.restart(CHAT, now, ORGANIZER, exchange_id="other")
    assert circle.exchange_id == "other"
    assert started.store.scalar("SELECT exchange_id FROM runs WHERE number = 2") == "other"


def test_restart_refuses_an_unknown_exchange(started, now):
    result = started.restart(CHAT, now, ORGANIZER, exchange_id="nope")
    assert isinstance(result, Refusal)
    assert circle(started).run_number == 1


def test_restart_posts_point_1_again(started, now, message_ids):
    next_session(started, now, message_ids)
    started.restart(CHAT, now, ORGANIZER)
    delivery = pending(started, now)
    first = delivery.messages[0]
    assert (delivery.point_index, first.key, first.key in delivery.uncertain) == (
        0,
        "letter",
        False,
    )


# Session flow --------------------------------------------------------------------------------


def test_the_first_session_posts_point_1(started, now, message_ids):
    session, sent = next_session(started, now, message_ids)
    assert (session.circle.point_index, session.closed, session.finished) == (0, None, False)
    assert list(sent) == ["letter", "reply", "prompt"]


def test_a_session_closes_a_fully_posted_point_and_moves_to_the_next(started, now, message_ids):
    next_session(started, now, message_ids)
    before = circle(started).visit
    session, sent = next_session(started, now, message_ids)
    assert (session.circle.point_index, session.closed.point_number) == (1, 1)
    assert session.circle.visit == before + 1
    assert list(sent) == ["letter", "reply", "prompt", "poll"]


def test_a_session_keeps_a_point_that_is_only_partly_posted(started, now):
    delivery = pending(started, now)
    post_one(started, delivery, delivery.messages[0], 100, now)
    session = open_session(started.store, started.exchanges, CHAT, now, GRACE)
    assert (session.circle.point_index, session.closed) == (0, None)
    assert session.delivery.messages[0].key == "reply"
    assert pending(started, now).messages[0].key == "reply"


def test_the_session_after_the_last_point_finishes_the_circle(started, now, message_ids):
    for _ in range(3):
        next_session(started, now, message_ids)
    session = open_session(started.store, started.exchanges, CHAT, now + timedelta(days=7), GRACE)
    assert session.finished
    assert session.closed.point_number == 3
    assert session.circle.state == "finished"
    assert session.delivery is None
    assert started.store.scalar("SELECT finished_at FROM runs") == "2025-06-11T18:00:00+00:00"


def test_a_paused_circle_refuses_a_session(started, now):
    started.pause(CHAT, now, ORGANIZER)
    result = open_session(started.store, started.exchanges, CHAT, now, GRACE)
    assert isinstance(result, Refusal)
    assert "/resume" in result.message


def test_a_finished_circle_refuses_a_session(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    started.skip(CHAT, now, ORGANIZER)
    result = open_session(started.store, started.exchanges, CHAT, now, GRACE)
    assert isinstance(result, Refusal)
    assert "finished" in result.message


def test_a_stopped_circle_refuses_a_session(started, now):
    started.stop(CHAT, now, ORGANIZER)
    result = open_session(started.store, started.exchanges, CHAT, now, GRACE)
    assert isinstance(result, Refusal)


def test_a_split_excerpt_is_posted_part_by_part(started, now, message_ids):
    started.goto(CHAT, 3, now, ORGANIZER)
    assert list(post_pending(started, now, message_ids)) == [
        "letter",
        "letter.2",
        "reply",
        "prompt",
    ]


def test_a_circle_whose_exchange_left_the_library_refuses_politely(started, now, library):
    library.clear()
    result = reads.status(started.store, started.exchanges, CHAT, now)
    assert isinstance(result, Refusal)
    assert "'tiny'" in result.message
    assert pending(started, now) is None


# Posting protocol: one test per crash point (docs/posting-protocol.md) --------------------------


def test_the_delivery_starts_with_the_first_message_of_its_visit(started, now):
    delivery = pending(started, now)
    assert isinstance(delivery, Delivery)
    first = delivery.messages[0]
    assert (first.key, delivery.point_index, first.key in delivery.uncertain) == (
        "letter",
        0,
        False,
    )
    assert attempts(started, "letter") == 0
    assert delivery.fresh
    assert delivery.visit == circle(started).visit
    assert list(delivery.messages) == render_point(started.exchanges["tiny"], 0)


def test_a_crash_before_begin_sends_the_message_normally_after_restart(started, now, reopen):
    pending(started, now)
    service = reopen(started)
    delivery = pending(service, now)
    assert (delivery.messages[0].key, delivery.uncertain) == ("letter", frozenset())


def test_a_crash_after_begin_before_sending_resends_it_marked_uncertain(started, now, reopen):
    delivery = pending(started, now)
    assert begin_post(started.store, delivery, delivery.messages[0], now)
    service = reopen(started)
    again = pending(service, now)
    first = again.messages[0]
    assert (first.key, first.key in again.uncertain, attempts(service, "letter")) == (
        "letter",
        True,
        1,
    )
    assert not again.fresh
    assert begin_post(service.store, again, first, now)
    record_post(service.store, again, first, 100, now)
    assert service.store.one("SELECT status, attempts FROM posts") == {
        "status": "sent",
        "attempts": 2,
    }
    assert pending(service, now).messages[0].key == "reply"


def test_a_crash_after_sending_before_record_resends_it_at_least_once(started, now, reopen):
    delivery = pending(started, now)
    begin_post(started.store, delivery, delivery.messages[0], now)
    delivered_but_unrecorded = 100  # Telegram delivered it; the process died before recording.
    service = reopen(started)
    again = pending(service, now)
    assert (again.messages[0].key, again.uncertain) == ("letter", frozenset({"letter"}))
    post_one(service, again, again.messages[0], 101, now)
    # The duplicate's id was never learnt: replies to it cannot be tied to the point.
    assert answer(service, now, 500, ANN, "Ann", delivered_but_unrecorded) is None
    assert answer(service, now, 501, ANN, "Ann", 101) is not None


def test_a_crash_after_record_never_sends_the_message_again(started, now, reopen):
    delivery = pending(started, now)
    post_one(started, delivery, delivery.messages[0], 100, now)
    service = reopen(started)
    assert pending(service, now).messages[0].key == "reply"


def test_a_crash_in_the_middle_of_a_point_resumes_with_the_rest(started, now, reopen):
    delivery = pending(started, now)
    for outgoing, message_id in zip(delivery.messages[:2], (100, 101), strict=True):
        post_one(started, delivery, outgoing, message_id, now)
    service = reopen(started)
    session = open_session(service.store, service.exchanges, CHAT, now, GRACE)
    assert (session.circle.point_index, session.closed) == (0, None)
    assert [out.key for out in session.delivery.messages] == ["prompt"]
    assert pending(service, now).messages[0].key == "prompt"


def test_a_crash_between_record_and_the_next_send_resends_only_that_one(started, now, reopen):
    """record_post confirms a message and begins the next in one transaction."""
    delivery = pending(started, now)
    letter, reply = delivery.messages[:2]
    assert begin_post(started.store, delivery, letter, now)
    assert record_post(started.store, delivery, letter, 100, now, begin_next=reply)
    service = reopen(started)  # died before sending the reply
    again = pending(service, now)
    assert [out.key for out in again.messages] == ["reply", "prompt"]
    assert again.uncertain == frozenset({"reply"})


def test_a_message_confirmed_sent_cannot_be_begun_again(started, now):
    delivery = pending(started, now)
    post_one(started, delivery, delivery.messages[0], 100, now)
    assert begin_post(started.store, delivery, delivery.messages[0], now) is False


def test_a_definite_refusal_abandons_the_message_without_marking_it_posted(started, now):
    delivery = pending(started, now)
    begin_post(started.store, delivery, delivery.messages[0], now)
    abandon_post(started.store, delivery, delivery.messages[0])
    again = pending(started, now)
    assert (again.messages[0].key, again.uncertain) == ("letter", frozenset())
    assert started.store.scalar("SELECT count(*) FROM posts") == 0


def test_abandoning_a_sent_message_changes_nothing(started, now):
    delivery = pending(started, now)
    post_one(started, delivery, delivery.messages[0], 100, now)
    abandon_post(started.store, delivery, delivery.messages[0])
    assert started.store.one("SELECT key, status FROM posts") == {"key": "letter", "status": "sent"}
    assert pending(started, now).messages[0].key == "reply"


def test_a_delivery_holds_only_the_messages_of_the_current_point(started, now):
    # A Delivery is rendered from the current point: a walker of it never meets another
    # point's message.
    assert "poll" not in {out.key for out in pending(started, now).messages}
    started.goto(CHAT, 2, now, ORGANIZER)
    assert "poll" in {out.key for out in pending(started, now).messages}


def test_begin_refuses_a_key_that_is_not_part_of_the_current_point(started, now):
    delivery = pending(started, now)
    (poll,) = [out for out in render_point(started.exchanges["tiny"], 1) if out.key == "poll"]
    assert begin_post(started.store, delivery, poll, now) is False
    assert started.store.scalar("SELECT count(*) FROM posts") == 0


def test_begin_refuses_a_slot_that_moved_on_meanwhile(started, now):
    delivery = pending(started, now)
    started.skip(CHAT, now, ORGANIZER)
    assert begin_post(started.store, delivery, delivery.messages[0], now) is False


def test_nothing_is_posted_while_paused(started, now):
    delivery = pending(started, now)
    started.pause(CHAT, now, ORGANIZER)
    assert pending(started, now) is None
    assert begin_post(started.store, delivery, delivery.messages[0], now) is False


def test_a_confirmation_after_a_skip_lands_on_the_slot_it_was_sent_for(started, now):
    delivery = pending(started, now)
    letter, reply = delivery.messages[:2]
    begin_post(started.store, delivery, letter, now)
    started.skip(CHAT, now, ORGANIZER)
    # Confirmed on its own visit; the next message of that visit is not begun.
    assert record_post(started.store, delivery, letter, 100, now, begin_next=reply) is False
    assert answer(started, now, 500, ANN, "Ann", 100).point_index == 0
    assert pending(started, now).point_index == 1


def test_record_without_begin_is_refused(started, now):
    delivery = pending(started, now)
    assert record_post(started.store, delivery, delivery.messages[0], 100, now) is False
    assert started.store.scalar("SELECT count(*) FROM posts") == 0
    assert answer(started, now, 500, ANN, "Ann", 100) is None


def test_record_without_begin_does_not_begin_the_next_message(started, now):
    delivery = pending(started, now)
    letter, reply = delivery.messages[:2]
    assert record_post(started.store, delivery, letter, 100, now, begin_next=reply) is False
    assert started.store.scalar("SELECT count(*) FROM posts") == 0


def test_a_poll_records_its_poll_id(started, now, message_ids):
    started.goto(CHAT, 2, now, ORGANIZER)
    sent = walk(
        started.store, pending(started, now), now, message_ids, poll_ids={"poll": "poll-xyz"}
    )
    assert list(sent)[-1] == "poll"
    row = started.store.one(
        "SELECT part, poll_id, point_title, message_id FROM posts WHERE key = 'poll'"
    )
    assert row == {
        "part": "poll",
        "poll_id": "poll-xyz",
        "point_title": "Second point",
        "message_id": sent["poll"],
    }


# Answers -------------------------------------------------------------------------------------


@pytest.fixture
def posted(started, now, message_ids):
    """Point 1 fully posted; returns its key -> message id."""
    _, sent = next_session(started, now, message_ids)
    return sent


def test_a_reply_to_a_bot_post_is_an_answer_to_that_point(started, posted, now):
    result = answer(started, now, 500, ANN, "Ann", posted["reply"], text="I agree")
    assert (result.point_number, result.point_id, result.run_number) == (1, "first", 1)
    assert (result.user_id, result.display_name, result.text) == (ANN, "Ann", "I agree")
    assert result.duplicate is False


def test_a_message_that_replies_to_nothing_is_ignored(started, posted, now):
    assert answer(started, now, 500, ANN, "Ann", None) is None
    assert started.store.scalar("SELECT count(*) FROM answers") == 0


def test_a_reply_to_a_member_message_is_ignored(started, posted, now):
    assert answer(started, now, 500, ANN, "Ann", 9999) is None


def test_a_reply_in_another_chat_to_the_same_message_id_is_ignored(started, posted, now):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    store = started.store
    assert answers.record_answer(store, OTHER_CHAT, 500, ANN, "Ann", posted["letter"], now) is None


def test_a_media_answer_is_recorded_with_its_kind(started, posted, now):
    result = answers.record_answer(
        started.store, CHAT, 500, ANN, "Ann", posted["prompt"], now, text=None, media_kind="voice"
    )
    assert (result.text, result.media_kind) == (None, "voice")


def test_the_same_message_delivered_twice_is_stored_once(started, posted, now):
    first = answer(started, now, 500, ANN, "Ann", posted["prompt"])
    second = answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert second.id == first.id
    assert second.duplicate is True
    assert started.store.scalar("SELECT count(*) FROM answers") == 1


def test_an_answer_to_an_earlier_point_counts_for_that_point(started, posted, now, message_ids):
    next_session(started, now, message_ids)
    assert circle(started).point_number == 2
    assert answer(started, now, 500, ANN, "Ann", posted["letter"]).point_number == 1


def test_an_answer_to_a_previous_run_counts_for_that_run(started, posted, now, message_ids):
    started.restart(CHAT, now, ORGANIZER)
    _, rerun = next_session(started, now, message_ids)
    old = answer(started, now, 500, ANN, "Ann", posted["prompt"])
    new = answer(started, now, 501, ANN, "Ann", rerun["prompt"])
    assert (old.run_number, new.run_number) == (1, 2)


def test_answers_are_recorded_even_after_the_circle_finished(started, posted, now):
    started.stop(CHAT, now, ORGANIZER)
    assert answer(started, now, 500, ANN, "Ann", posted["prompt"]) is not None


def test_answering_makes_the_author_a_known_member(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    answer(started, now + timedelta(hours=1), 501, ANN, "Ann B.", posted["prompt"])
    member = started.store.one("SELECT * FROM members")
    assert member["display_name"] == "Ann B."
    assert member["first_seen"] == "2025-06-04T18:00:00+00:00"
    assert member["last_seen"] == "2025-06-04T19:00:00+00:00"


def test_a_member_seen_again_within_the_hour_is_written_only_when_something_changed(
    started, posted, now
):
    def member() -> dict:
        return started.store.one("SELECT display_name, last_seen, left_at FROM members")

    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    answer(started, now + timedelta(minutes=20), 501, ANN, "Ann", posted["prompt"])
    assert member()["last_seen"] == "2025-06-04T18:00:00+00:00"  # kept to the hour
    answer(started, now + timedelta(minutes=30), 502, ANN, "Ann B.", posted["prompt"])
    assert member() == {  # a new name is written at once
        "display_name": "Ann B.",
        "last_seen": "2025-06-04T18:30:00+00:00",
        "left_at": None,
    }
    started.store.execute("UPDATE members SET left_at = ?", ["2025-06-04T18:35:00+00:00"])
    answer(started, now + timedelta(minutes=40), 503, ANN, "Ann B.", posted["prompt"])
    assert member()["left_at"] is None  # back: answering again says so at once


def test_an_edit_replaces_the_text_and_notes_when(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="First thought")
    edited = answers.record_edit(
        started.store, CHAT, 500, now + timedelta(minutes=5), text="Second thought"
    )
    assert edited.text == "Second thought"
    assert edited.edited_at == now + timedelta(minutes=5)
    assert edited.created_at == now


def test_an_edit_of_a_media_caption_keeps_the_media_kind(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], "x", media_kind="photo")
    assert answers.record_edit(started.store, CHAT, 500, now, text="new caption").media_kind == (
        "photo"
    )


def test_an_edit_of_a_message_that_is_not_an_answer_is_ignored(started, posted, now):
    assert answers.record_edit(started.store, CHAT, 999, now, text="whatever") is None


def test_the_answers_view_shows_answers_with_run_point_and_author(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="Mine")
    row = started.store.one("SELECT * FROM answers_view")
    assert row["chat_id"] == CHAT
    assert (row["run_number"], row["point_number"], row["point_id"]) == (1, 1, "first")
    assert (row["point_title"], row["author"], row["text"]) == ("First point", "Ann", "Mine")


def test_member_answers_lists_a_members_answers_oldest_first(started, posted, now, message_ids):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="One")
    answer(started, now, 501, BOB, "Bob", posted["prompt"], text="Bob's")
    _, second = next_session(started, now, message_ids)
    later = now + timedelta(days=1)
    answer(started, later, 502, ANN, "Ann", second["poll"], text=None, media_kind="voice")
    mine = reads.member_answers(started.store, CHAT, ANN)
    assert [(a.point_number, a.point_title, a.text, a.media_kind) for a in mine] == [
        (1, "First point", "One", None),
        (2, "Second point", None, "voice"),
    ]
    assert mine[1].created_at == later


def test_member_answers_is_empty_for_someone_who_never_answered(started, posted):
    assert reads.member_answers(started.store, CHAT, CY) == []


def test_forget_member_deletes_their_answers_and_membership(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="secret opinion")
    answer(started, now, 501, ANN, "Ann", posted["letter"], text="another")
    answer(started, now, 502, BOB, "Bob", posted["prompt"])
    assert answers.forget_member(started.store, CHAT, ANN, now) == 2
    assert reads.member_answers(started.store, CHAT, ANN) == []
    assert len(reads.member_answers(started.store, CHAT, BOB)) == 1
    names = [m["display_name"] for m in started.store.all("SELECT * FROM members")]
    assert names == ["Bob"]


def test_forget_member_audits_without_the_content(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="secret opinion")
    answers.forget_member(started.store, CHAT, ANN, now, actor_id=ORGANIZER)
    entry = started.store.one("SELECT * FROM audit_log WHERE action = 'forget_member'")
    assert entry["actor_id"] == ORGANIZER
    assert "secret" not in entry["detail"]
    assert "1" in entry["detail"]


def test_forget_member_leaves_other_chats_alone(started, posted, now, message_ids):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    _, other = next_session(started, now, message_ids, chat=OTHER_CHAT)
    store = started.store
    answers.record_answer(store, OTHER_CHAT, 600, ANN, "Ann", other["prompt"], now, "elsewhere")
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert answers.forget_member(store, CHAT, ANN, now) == 1
    assert len(reads.member_answers(store, OTHER_CHAT, ANN)) == 1


def test_forget_member_with_nothing_to_forget_returns_zero(started, now):
    assert answers.forget_member(started.store, CHAT, CY, now) == 0


# Status and overview -------------------------------------------------------------------------


def status(service, now, chat=CHAT):
    return reads.status(service.store, service.exchanges, chat, now)


def overview(service, chat=CHAT):
    return reads.points_overview(service.store, service.exchanges, chat)


def test_status_says_where_the_circle_stands(started, posted, now):
    result = status(started, now)
    assert (circle(started).exchange_id, result.exchange_title) == ("tiny", "A tiny exchange")
    assert (result.point_number, result.point_count, result.point_title) == (1, 3, "First point")
    assert (result.state, result.run_number, result.point_posted) == ("running", 1, True)


def test_status_lists_who_answered_the_current_point_and_who_not_yet(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    answer(started, now, 501, ANN, "Ann", posted["letter"])
    answer(started, now, 502, BOB, "Bob", posted["reply"])
    answers.see_member(started.store, CHAT, CY, "Cy", now)
    result = status(started, now)
    assert result.answer_count == 3
    assert result.answered == ("Ann", "Bob")
    assert result.not_answered == ("Cy",)


def test_status_counts_only_the_current_point_of_this_run(started, posted, now, message_ids):
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    next_session(started, now, message_ids)
    result = status(started, now)
    assert (result.point_number, result.answer_count, result.answered) == (2, 0, ())
    assert result.not_answered == ("Ann",)
    started.restart(CHAT, now, ORGANIZER)
    assert status(started, now).answer_count == 0


def test_status_of_a_point_not_yet_posted(started, now):
    assert status(started, now).point_posted is False


def test_points_overview_marks_discussed_and_current_points(started, posted, now):
    assert [(p.number, p.title, p.discussed, p.current) for p in overview(started)] == [
        (1, "First point", True, True),
        (2, "Second point", False, False),
        (3, "Third point", False, False),
    ]


def test_a_partly_posted_point_is_not_discussed(started, now):
    started.goto(CHAT, 2, now, ORGANIZER)
    delivery = pending(started, now)
    post_one(started, delivery, delivery.messages[0], 100, now)
    assert [p.discussed for p in overview(started)] == [False, False, False]


def test_a_new_run_starts_with_nothing_discussed(started, posted, now):
    started.restart(CHAT, now, ORGANIZER)
    assert not any(p.discussed for p in overview(started))


# Settings, active circles, chat migration ----------------------------------------------------


def test_settings_are_stored_and_audited(started, now):
    # The old engine also took settings as strings (a second, unchecked write path); settings
    # are now typed values, parsed by the commands, with one write path each.
    schedule = parse_schedule("tue,thu 19:00", "Europe/Berlin", now)
    pacing = parse_pace("reply +1d prompt +2d")
    started.set_schedule(CHAT, schedule, now, ORGANIZER)
    started.set_pacing(CHAT, pacing, now, ORGANIZER)
    started.add_holiday(CHAT, (date(2025, 12, 31), date(2025, 12, 31)), now, ORGANIZER)
    started.add_holiday(CHAT, (date(2025, 12, 24), date(2025, 12, 24)), now, ORGANIZER)
    result = started.set_reminder(CHAT, timedelta(minutes=30), now, ORGANIZER)
    settings = result.settings
    assert settings.schedule.spec == "tue,thu 19:00 Europe/Berlin"
    assert result.timezone == "Europe/Berlin"
    assert settings.pacing == pacing
    assert settings.holiday_texts() == ["2025-12-24", "2025-12-31"]
    assert settings.remind_before == timedelta(minutes=30)
    assert circle(started).settings == settings  # read back from the database
    assert audit_actions(started)[-5:] == [
        "set_schedule",
        "set_pacing",
        "add_holiday",
        "add_holiday",
        "set_reminder",
    ]


def test_settings_can_be_cleared(started, now):
    started.set_schedule(CHAT, parse_schedule("daily 08:00", "UTC", now), now, ORGANIZER)
    result = started.set_schedule(CHAT, None, now, ORGANIZER)
    assert (result.settings.schedule, result.timezone) == (None, "UTC")
    assert started.set_reminder(CHAT, None, now, ORGANIZER).settings.remind_before is None
    started.add_holiday(CHAT, (date(2025, 12, 24), date(2025, 12, 24)), now, ORGANIZER)
    assert started.clear_holidays(CHAT, now, ORGANIZER).settings.holidays == ()
    unpaced = started.set_pacing(CHAT, parse_pace("off"), now, ORGANIZER).settings
    assert not unpaced.paced


def test_active_circles_are_the_running_and_paused_ones(service, now):
    for chat in (1, 2, 3, 4):
        service.start(chat, "tiny", now, ORGANIZER)
    service.pause(2, now, ORGANIZER)
    service.stop(3, now, ORGANIZER)
    service.goto(4, 3, now, ORGANIZER)
    service.skip(4, now, ORGANIZER)
    assert [(c.chat_id, c.state) for c in load_active(service.store)] == [
        (1, "running"),
        (2, "paused"),
    ]


def test_a_migrated_chat_keeps_its_circle_members_and_answers(started, posted, now, message_ids):
    store = started.store
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert started.migrate_chat(CHAT, OTHER_CHAT, now) is True
    assert circle(started) is None
    assert circle(started, OTHER_CHAT).point_number == 1
    assert len(reads.member_answers(store, OTHER_CHAT, ANN)) == 1
    _, sent = next_session(started, now, message_ids, chat=OTHER_CHAT)
    answers.record_answer(store, OTHER_CHAT, 500, ANN, "Ann", sent["prompt"], now, "after")
    assert len(reads.member_answers(store, OTHER_CHAT, ANN)) == 2
    assert status(started, now, OTHER_CHAT).answered == ("Ann",)
    assert store.all("SELECT chat_id FROM members") == [{"chat_id": OTHER_CHAT}]


def test_migrating_a_chat_without_a_circle_does_nothing(service, now):
    assert service.migrate_chat(CHAT, OTHER_CHAT, now) is False


def test_migrating_onto_a_chat_that_has_a_circle_is_refused(started, now):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    assert started.migrate_chat(CHAT, OTHER_CHAT, now) is False
    assert circle(started) is not None


# Transactions --------------------------------------------------------------------------------


def test_a_failure_in_the_middle_of_restart_leaves_nothing_half_written(started, now, monkeypatch):
    def broken_audit(**_):
        raise RuntimeError("disk full")

    before = circle(started)
    monkeypatch.setattr(started.store, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        started.restart(CHAT, now, ORGANIZER)
    assert circle(started) == before
    assert started.store.scalar("SELECT count(*) FROM runs") == 1


def test_a_failure_in_the_middle_of_start_leaves_no_circle(service, now, monkeypatch):
    monkeypatch.setattr(service.store, "audit", lambda **_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        service.start(CHAT, "tiny", now, ORGANIZER)
    assert circle(service) is None
    assert service.store.scalar("SELECT count(*) FROM runs") == 0


def test_a_failure_after_storing_an_answer_stores_no_answer(started, posted, now, monkeypatch):
    monkeypatch.setattr(answers, "_see", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert started.store.scalar("SELECT count(*) FROM answers") == 0
    assert started.store.scalar("SELECT count(*) FROM members") == 0


def test_a_failure_while_opening_a_session_changes_nothing(started, posted, now, monkeypatch):
    def broken_digest(*_):
        raise RuntimeError("disk full")

    before = circle(started)
    monkeypatch.setattr("bot.sessions.point_digest", broken_digest)
    with pytest.raises(RuntimeError):
        open_session(started.store, started.exchanges, CHAT, now, GRACE)
    assert circle(started) == before


# The real exchange -------------------------------------------------------------------------


def test_a_circle_runs_through_the_real_exchange_to_the_end(store, now, message_ids):
    exchange = load_exchange(REAL_EXCHANGE)
    service = Circles(store, {exchange.id: exchange})
    service.start(CHAT, exchange.id, now, ORGANIZER)
    for index in range(len(exchange.points)):
        session, sent = next_session(service, now + timedelta(days=index), message_ids)
        assert session.circle.point_index == index
        assert list(sent) == [out.key for out in render_point(exchange, index)]
        reply = answer(service, now, 10_000 + index, ANN, "Ann", sent["prompt"])
        assert reply.point_id == exchange.points[index].id
    final = open_session(
        store, service.exchanges, CHAT, now + timedelta(days=len(exchange.points)), GRACE
    )
    assert final.finished
    assert all(p.discussed for p in overview(service))
    assert len(reads.member_answers(store, CHAT, ANN)) == len(exchange.points)


def test_the_engine_does_not_import_telegram():
    modules = (
        "bot.circles, bot.sessions, bot.posting, bot.answers, bot.reads, bot.model,"
        " bot.settings, bot.schedule.timetable, bot.text.posts, bot.text.organizer,"
        " bot.minutes_format, bot.export"
    )
    code = (
        f"import sys, {modules}\n"
        "leaked = [m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')]\n"
        "assert not leaked, leaked\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_a_scheduled_session_and_a_next_are_the_same_session(started, now):
    """run_due at a slot opens what /next would: the engine has one session path."""
    daily = parse_schedule("daily 19:00", "UTC", now)
    started.set_schedule(CHAT, daily, now, ORGANIZER)
    slot = datetime(2025, 6, 4, 19, 0, tzinfo=UTC)
    outcome = run_due(started.store, started.exchanges, CHAT, slot, GRACE, restarted=False)
    assert outcome.due.action == "run"
    assert outcome.plan.delivery.messages == tuple(render_point(started.exchanges["tiny"], 0))
