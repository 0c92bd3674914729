import itertools
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.circle import CircleService, PendingPost, Refusal
from bot.content import load_exchange
from bot.render import render_point
from bot.store import open_store

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
    return CircleService(store, library)


@pytest.fixture
def message_ids():
    """Telegram's message ids, as the fake chat hands them out."""
    return itertools.count(100)


@pytest.fixture
def reopen(db_path, library):
    """Simulate a crash: drop the service and open the database file afresh."""
    opened = []

    def reopen_(service):
        service.store.close()
        store = open_store(db_path)
        opened.append(store)
        return CircleService(store, library)

    yield reopen_
    for store in opened:
        store.close()


@pytest.fixture
def started(service, now):
    service.start(CHAT, "tiny", now, ORGANIZER)
    return service


def post_pending(service, now, message_ids, chat=CHAT):
    """What the bot does after open_session: send every pending message; key -> message id."""
    sent = {}
    while (pending := service.next_post(chat)) is not None:
        assert service.begin_post(chat, pending.key, now, cursor=pending.cursor)
        message_id = next(message_ids)
        assert service.record_post(chat, pending.key, message_id, now, cursor=pending.cursor)
        sent[pending.key] = message_id
    return sent


def next_session(service, now, message_ids, chat=CHAT):
    """The bot's /next: open the session, then post what is pending."""
    session = service.open_session(chat, now)
    assert not isinstance(session, Refusal)
    return session, post_pending(service, now, message_ids, chat)


def audit_actions(service):
    return [row["action"] for row in service.store.all("SELECT action FROM audit_log ORDER BY id")]


def answer(service, now, message_id, user_id, name, reply_to, text="An answer", **kwargs):
    return service.record_answer(CHAT, message_id, user_id, name, reply_to, now, text, **kwargs)


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
    assert service.circle(CHAT) is None


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
    started.set_schedule(CHAT, "tue 19:00", "Europe/Berlin", now, ORGANIZER)
    started.stop(CHAT, now, ORGANIZER)
    circle = started.start(CHAT, "tiny", now, ORGANIZER)
    assert circle.state == "running"
    assert circle.run_number == 2
    assert circle.schedule == "tue 19:00"
    assert circle.timezone == "Europe/Berlin"


def test_circles_of_different_chats_are_independent(started, now):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    started.pause(OTHER_CHAT, now, ORGANIZER)
    assert started.circle(CHAT).state == "running"
    assert started.circle(OTHER_CHAT).state == "paused"


# Pause, resume, stop -------------------------------------------------------------------------


def test_pause_then_resume(started, now):
    assert started.pause(CHAT, now, ORGANIZER).state == "paused"
    assert started.resume(CHAT, now, ORGANIZER).state == "running"


def test_pausing_a_paused_circle_is_refused(started, now):
    started.pause(CHAT, now, ORGANIZER)
    assert started.pause(CHAT, now, ORGANIZER) == Refusal("The circle is already paused.")


def test_resume_is_refused_when_the_circle_is_not_paused(started, now):
    assert started.resume(CHAT, now, ORGANIZER) == Refusal("The circle is not paused.")


def test_every_use_case_refuses_in_a_chat_without_a_circle(service, now):
    for result in (
        service.pause(CHAT, now, ORGANIZER),
        service.resume(CHAT, now, ORGANIZER),
        service.stop(CHAT, now, ORGANIZER),
        service.skip(CHAT, now, ORGANIZER),
        service.goto(CHAT, 1, now, ORGANIZER),
        service.restart(CHAT, now, ORGANIZER),
        service.open_session(CHAT, now),
        service.status(CHAT, now),
        service.points_overview(CHAT),
        service.set_schedule(CHAT, "daily 08:00", None, now, ORGANIZER),
        service.set_pacing(CHAT, "1 point", now, ORGANIZER),
        service.set_holidays(CHAT, ["2025-12-25"], now, ORGANIZER),
        service.set_reminder(CHAT, 30, now, ORGANIZER),
    ):
        assert isinstance(result, Refusal)
        assert "no circle" in result.message
    assert service.next_post(CHAT) is None
    assert service.begin_post(CHAT, "letter", now) is False
    assert service.record_post(CHAT, "letter", 1, now) is False
    assert service.abandon_post(CHAT, "letter") is False


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
    pending = started.next_post(CHAT)
    started.begin_post(CHAT, pending.key, now)
    started.record_post(CHAT, pending.key, 100, now)
    circle = started.skip(CHAT, now, ORGANIZER)
    assert circle.point_number == 2
    assert started.next_post(CHAT).point_index == 1
    assert started.next_post(CHAT).key == "letter"


def test_skip_at_the_last_point_finishes_the_circle(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    circle = started.skip(CHAT, now, ORGANIZER)
    assert circle.state == "finished"
    assert started.next_post(CHAT) is None


def test_skip_is_refused_on_a_finished_circle(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    started.skip(CHAT, now, ORGANIZER)
    result = started.skip(CHAT, now, ORGANIZER)
    assert isinstance(result, Refusal)
    assert "/restart" in result.message


def test_a_paused_circle_can_still_skip_and_goto(started, now):
    started.pause(CHAT, now, ORGANIZER)
    assert started.skip(CHAT, now, ORGANIZER).point_number == 2
    circle = started.goto(CHAT, 3, now, ORGANIZER)
    assert (circle.point_number, circle.state) == (3, "paused")


def test_goto_makes_a_point_current(started, now):
    assert started.goto(CHAT, 3, now, ORGANIZER).point_number == 3
    assert started.next_post(CHAT).point_index == 2


@pytest.mark.parametrize("number", [0, 4, -1])
def test_goto_out_of_range_is_refused_with_the_range(started, now, number):
    assert started.goto(CHAT, number, now, ORGANIZER) == Refusal("There are 3 points: choose 1–3.")


def test_goto_an_already_posted_point_posts_it_again(started, now, message_ids):
    _, first = next_session(started, now, message_ids)
    started.goto(CHAT, 1, now, ORGANIZER)
    again = post_pending(started, now, message_ids)
    assert list(again) == ["letter", "reply", "prompt"]
    assert set(again.values()).isdisjoint(first.values())


def test_every_visit_of_a_point_bumps_the_cursor(started, now):
    cursors = [started.circle(CHAT).cursor]
    cursors.append(started.skip(CHAT, now, ORGANIZER).cursor)
    cursors.append(started.goto(CHAT, 2, now, ORGANIZER).cursor)
    cursors.append(started.restart(CHAT, now, ORGANIZER).cursor)
    assert cursors == sorted(set(cursors))


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
    assert started.circle(CHAT).run_number == 1


def test_restart_posts_point_1_again(started, now, message_ids):
    next_session(started, now, message_ids)
    started.restart(CHAT, now, ORGANIZER)
    pending = started.next_post(CHAT)
    assert (pending.point_index, pending.key, pending.uncertain) == (0, "letter", False)


# Session flow --------------------------------------------------------------------------------


def test_the_first_session_posts_point_1(started, now, message_ids):
    session, sent = next_session(started, now, message_ids)
    assert (session.point_index, session.closed_point, session.finished) == (0, None, False)
    assert list(sent) == ["letter", "reply", "prompt"]


def test_a_session_closes_a_fully_posted_point_and_moves_to_the_next(started, now, message_ids):
    next_session(started, now, message_ids)
    before = started.circle(CHAT).cursor
    session, sent = next_session(started, now, message_ids)
    assert (session.point_index, session.closed_point) == (1, 0)
    assert session.circle.cursor == before + 1
    assert list(sent) == ["letter", "reply", "prompt", "poll"]


def test_a_session_keeps_a_point_that_is_only_partly_posted(started, now):
    pending = started.next_post(CHAT)
    started.begin_post(CHAT, pending.key, now)
    started.record_post(CHAT, pending.key, 100, now)
    session = started.open_session(CHAT, now)
    assert (session.point_index, session.closed_point) == (0, None)
    assert started.next_post(CHAT).key == "reply"


def test_the_session_after_the_last_point_finishes_the_circle(started, now, message_ids):
    for _ in range(3):
        next_session(started, now, message_ids)
    session = started.open_session(CHAT, now + timedelta(days=7))
    assert session.finished
    assert session.closed_point == 2
    assert session.circle.state == "finished"
    assert started.store.scalar("SELECT finished_at FROM runs") == "2025-06-11T18:00:00+00:00"


def test_a_paused_circle_refuses_a_session(started, now):
    started.pause(CHAT, now, ORGANIZER)
    result = started.open_session(CHAT, now)
    assert isinstance(result, Refusal)
    assert "/resume" in result.message


def test_a_finished_circle_refuses_a_session(started, now):
    started.goto(CHAT, 3, now, ORGANIZER)
    started.skip(CHAT, now, ORGANIZER)
    result = started.open_session(CHAT, now)
    assert isinstance(result, Refusal)
    assert "finished" in result.message


def test_a_stopped_circle_refuses_a_session(started, now):
    started.stop(CHAT, now, ORGANIZER)
    assert isinstance(started.open_session(CHAT, now), Refusal)


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
    result = started.status(CHAT, now)
    assert isinstance(result, Refusal)
    assert "'tiny'" in result.message
    assert started.next_post(CHAT) is None


# Posting protocol: one test per crash point (docs/posting-protocol.md) --------------------------


def test_next_post_returns_the_first_message_with_its_slot(started):
    pending = started.next_post(CHAT)
    assert isinstance(pending, PendingPost)
    assert (pending.key, pending.point_index, pending.uncertain, pending.attempts) == (
        "letter",
        0,
        False,
        0,
    )
    assert pending.cursor == started.circle(CHAT).cursor
    assert pending.outgoing == render_point(started.exchanges["tiny"], 0)[0]


def test_a_crash_before_begin_sends_the_message_normally_after_restart(started, reopen):
    started.next_post(CHAT)
    service = reopen(started)
    pending = service.next_post(CHAT)
    assert (pending.key, pending.uncertain) == ("letter", False)


def test_a_crash_after_begin_before_sending_resends_it_marked_uncertain(started, now, reopen):
    pending = started.next_post(CHAT)
    assert started.begin_post(CHAT, pending.key, now, cursor=pending.cursor)
    service = reopen(started)
    again = service.next_post(CHAT)
    assert (again.key, again.uncertain, again.attempts) == ("letter", True, 1)
    assert service.begin_post(CHAT, again.key, now, cursor=again.cursor)
    assert service.record_post(CHAT, again.key, 100, now, cursor=again.cursor)
    assert service.store.one("SELECT status, attempts FROM posts") == {
        "status": "sent",
        "attempts": 2,
    }
    assert service.next_post(CHAT).key == "reply"


def test_a_crash_after_sending_before_record_resends_it_at_least_once(started, now, reopen):
    pending = started.next_post(CHAT)
    started.begin_post(CHAT, pending.key, now)
    delivered_but_unrecorded = 100  # Telegram delivered it; the process died before recording.
    service = reopen(started)
    again = service.next_post(CHAT)
    assert (again.key, again.uncertain) == ("letter", True)
    service.begin_post(CHAT, again.key, now)
    service.record_post(CHAT, again.key, 101, now)
    # The duplicate's id was never learnt: replies to it cannot be tied to the point.
    assert answer(service, now, 500, ANN, "Ann", delivered_but_unrecorded) is None
    assert answer(service, now, 501, ANN, "Ann", 101) is not None


def test_a_crash_after_record_never_sends_the_message_again(started, now, reopen):
    pending = started.next_post(CHAT)
    started.begin_post(CHAT, pending.key, now)
    started.record_post(CHAT, pending.key, 100, now)
    service = reopen(started)
    assert service.next_post(CHAT).key == "reply"


def test_a_crash_in_the_middle_of_a_point_resumes_with_the_rest(started, now, reopen):
    for message_id in (100, 101):
        pending = started.next_post(CHAT)
        started.begin_post(CHAT, pending.key, now)
        started.record_post(CHAT, pending.key, message_id, now)
    service = reopen(started)
    session = service.open_session(CHAT, now)
    assert (session.point_index, session.closed_point) == (0, None)
    assert service.next_post(CHAT).key == "prompt"


def test_a_message_confirmed_sent_cannot_be_begun_again(started, now):
    started.begin_post(CHAT, "letter", now)
    started.record_post(CHAT, "letter", 100, now)
    assert started.begin_post(CHAT, "letter", now) is False


def test_a_definite_refusal_abandons_the_message_without_marking_it_posted(started, now):
    started.begin_post(CHAT, "letter", now)
    assert started.abandon_post(CHAT, "letter") is True
    pending = started.next_post(CHAT)
    assert (pending.key, pending.uncertain) == ("letter", False)
    assert started.store.scalar("SELECT count(*) FROM posts") == 0


def test_abandoning_a_sent_message_changes_nothing(started, now):
    started.begin_post(CHAT, "letter", now)
    started.record_post(CHAT, "letter", 100, now)
    assert started.abandon_post(CHAT, "letter") is False
    assert started.next_post(CHAT).key == "reply"


def test_begin_refuses_a_key_that_is_not_part_of_the_current_point(started, now):
    assert started.begin_post(CHAT, "poll", now) is False


def test_begin_refuses_a_slot_that_moved_on_meanwhile(started, now):
    pending = started.next_post(CHAT)
    started.skip(CHAT, now, ORGANIZER)
    assert started.begin_post(CHAT, pending.key, now, cursor=pending.cursor) is False


def test_nothing_is_posted_while_paused(started, now):
    started.pause(CHAT, now, ORGANIZER)
    assert started.next_post(CHAT) is None
    assert started.begin_post(CHAT, "letter", now) is False


def test_a_confirmation_after_a_skip_lands_on_the_slot_it_was_sent_for(started, now):
    pending = started.next_post(CHAT)
    started.begin_post(CHAT, pending.key, now, cursor=pending.cursor)
    started.skip(CHAT, now, ORGANIZER)
    assert started.record_post(CHAT, pending.key, 100, now, cursor=pending.cursor)
    assert answer(started, now, 500, ANN, "Ann", 100).point_index == 0
    assert started.next_post(CHAT).point_index == 1


def test_record_without_begin_is_refused(started, now):
    assert started.record_post(CHAT, "letter", 100, now) is False


def test_a_poll_records_its_poll_id(started, now, message_ids):
    started.goto(CHAT, 2, now, ORGANIZER)
    while (pending := started.next_post(CHAT)).key != "poll":
        started.begin_post(CHAT, pending.key, now)
        started.record_post(CHAT, pending.key, next(message_ids), now)
    started.begin_post(CHAT, "poll", now)
    started.record_post(CHAT, "poll", 150, now, poll_id="poll-xyz")
    row = started.store.one("SELECT part, poll_id, point_title FROM posts WHERE key = 'poll'")
    assert row == {"part": "poll", "poll_id": "poll-xyz", "point_title": "Second point"}


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
    assert started.record_answer(OTHER_CHAT, 500, ANN, "Ann", posted["letter"], now) is None


def test_a_media_answer_is_recorded_with_its_kind(started, posted, now):
    result = started.record_answer(
        CHAT, 500, ANN, "Ann", posted["prompt"], now, text=None, media_kind="voice"
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
    assert started.circle(CHAT).point_number == 2
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


def test_an_edit_replaces_the_text_and_notes_when(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="First thought")
    edited = started.record_edit(CHAT, 500, now + timedelta(minutes=5), text="Second thought")
    assert edited.text == "Second thought"
    assert edited.edited_at == now + timedelta(minutes=5)
    assert edited.created_at == now


def test_an_edit_of_a_media_caption_keeps_the_media_kind(started, posted, now):
    started.record_answer(CHAT, 500, ANN, "Ann", posted["prompt"], now, "x", media_kind="photo")
    assert started.record_edit(CHAT, 500, now, text="new caption").media_kind == "photo"


def test_an_edit_of_a_message_that_is_not_an_answer_is_ignored(started, posted, now):
    assert started.record_edit(CHAT, 999, now, text="whatever") is None


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
    started.record_answer(CHAT, 502, ANN, "Ann", second["poll"], later, media_kind="voice")
    mine = started.member_answers(CHAT, ANN)
    assert [(a.point_number, a.point_title, a.text, a.media_kind) for a in mine] == [
        (1, "First point", "One", None),
        (2, "Second point", None, "voice"),
    ]
    assert mine[1].created_at == later


def test_member_answers_is_empty_for_someone_who_never_answered(started, posted):
    assert started.member_answers(CHAT, CY) == []


def test_forget_member_deletes_their_answers_and_membership(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="secret opinion")
    answer(started, now, 501, ANN, "Ann", posted["letter"], text="another")
    answer(started, now, 502, BOB, "Bob", posted["prompt"])
    assert started.forget_member(CHAT, ANN, now) == 2
    assert started.member_answers(CHAT, ANN) == []
    assert len(started.member_answers(CHAT, BOB)) == 1
    names = [m["display_name"] for m in started.store.all("SELECT * FROM members")]
    assert names == ["Bob"]


def test_forget_member_audits_without_the_content(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"], text="secret opinion")
    started.forget_member(CHAT, ANN, now, actor_id=ORGANIZER)
    entry = started.store.one("SELECT * FROM audit_log WHERE action = 'forget_member'")
    assert entry["actor_id"] == ORGANIZER
    assert "secret" not in entry["detail"]
    assert "1" in entry["detail"]


def test_forget_member_leaves_other_chats_alone(started, posted, now, message_ids):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    _, other = next_session(started, now, message_ids, chat=OTHER_CHAT)
    started.record_answer(OTHER_CHAT, 600, ANN, "Ann", other["prompt"], now, "elsewhere")
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert started.forget_member(CHAT, ANN, now) == 1
    assert len(started.member_answers(OTHER_CHAT, ANN)) == 1


def test_forget_member_with_nothing_to_forget_returns_zero(started, now):
    assert started.forget_member(CHAT, CY, now) == 0


# Status and overview -------------------------------------------------------------------------


def test_status_says_where_the_circle_stands(started, posted, now):
    status = started.status(CHAT, now)
    assert (status.exchange_id, status.exchange_title) == ("tiny", "A tiny exchange")
    assert (status.point_number, status.point_count, status.point_title) == (1, 3, "First point")
    assert (status.state, status.run_number, status.point_posted) == ("running", 1, True)


def test_status_lists_who_answered_the_current_point_and_who_not_yet(started, posted, now):
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    answer(started, now, 501, ANN, "Ann", posted["letter"])
    answer(started, now, 502, BOB, "Bob", posted["reply"])
    started.see_member(CHAT, CY, "Cy", now)
    status = started.status(CHAT, now)
    assert status.answer_count == 3
    assert status.answered == ("Ann", "Bob")
    assert status.not_answered == ("Cy",)


def test_status_counts_only_the_current_point_of_this_run(started, posted, now, message_ids):
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    next_session(started, now, message_ids)
    status = started.status(CHAT, now)
    assert (status.point_number, status.answer_count, status.answered) == (2, 0, ())
    assert status.not_answered == ("Ann",)
    started.restart(CHAT, now, ORGANIZER)
    assert started.status(CHAT, now).answer_count == 0


def test_status_of_a_point_not_yet_posted(started, now):
    assert started.status(CHAT, now).point_posted is False


def test_points_overview_marks_discussed_and_current_points(started, posted, now):
    overview = started.points_overview(CHAT)
    assert [(p.number, p.title, p.discussed, p.current) for p in overview] == [
        (1, "First point", True, True),
        (2, "Second point", False, False),
        (3, "Third point", False, False),
    ]


def test_a_partly_posted_point_is_not_discussed(started, now):
    started.goto(CHAT, 2, now, ORGANIZER)
    started.begin_post(CHAT, "letter", now)
    started.record_post(CHAT, "letter", 100, now)
    assert [p.discussed for p in started.points_overview(CHAT)] == [False, False, False]


def test_a_new_run_starts_with_nothing_discussed(started, posted, now):
    started.restart(CHAT, now, ORGANIZER)
    assert not any(p.discussed for p in started.points_overview(CHAT))


# Settings, active circles, chat migration ----------------------------------------------------


def test_settings_are_stored_and_audited(started, now):
    started.set_schedule(CHAT, "tue,thu 19:00", "Europe/Berlin", now, ORGANIZER)
    started.set_pacing(CHAT, "2 points", now, ORGANIZER)
    started.set_holidays(CHAT, ["2025-12-24", "2025-12-31"], now, ORGANIZER)
    circle = started.set_reminder(CHAT, 30, now, ORGANIZER)
    assert circle.schedule == "tue,thu 19:00"
    assert circle.timezone == "Europe/Berlin"
    assert circle.pacing == "2 points"
    assert circle.holidays == ("2025-12-24", "2025-12-31")
    assert circle.remind_before_minutes == 30
    assert audit_actions(started)[-4:] == [
        "set_schedule",
        "set_pacing",
        "set_holidays",
        "set_reminder",
    ]


def test_settings_can_be_cleared(started, now):
    started.set_schedule(CHAT, "daily 08:00", None, now, ORGANIZER)
    circle = started.set_schedule(CHAT, None, None, now, ORGANIZER)
    assert (circle.schedule, circle.timezone) == (None, "UTC")
    assert started.set_reminder(CHAT, None, now, ORGANIZER).remind_before_minutes is None


def test_active_circles_are_the_running_and_paused_ones(service, now):
    for chat in (1, 2, 3, 4):
        service.start(chat, "tiny", now, ORGANIZER)
    service.pause(2, now, ORGANIZER)
    service.stop(3, now, ORGANIZER)
    service.goto(4, 3, now, ORGANIZER)
    service.skip(4, now, ORGANIZER)
    assert [(c.chat_id, c.state) for c in service.active_circles()] == [
        (1, "running"),
        (2, "paused"),
    ]


def test_a_migrated_chat_keeps_its_circle_members_and_answers(started, posted, now, message_ids):
    answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert started.migrate_chat(CHAT, OTHER_CHAT, now) is True
    assert started.circle(CHAT) is None
    assert started.circle(OTHER_CHAT).point_number == 1
    assert len(started.member_answers(OTHER_CHAT, ANN)) == 1
    _, sent = next_session(started, now, message_ids, chat=OTHER_CHAT)
    started.record_answer(OTHER_CHAT, 500, ANN, "Ann", sent["prompt"], now, "after")
    assert len(started.member_answers(OTHER_CHAT, ANN)) == 2
    assert started.status(OTHER_CHAT, now).answered == ("Ann",)
    assert started.store.all("SELECT chat_id FROM members") == [{"chat_id": OTHER_CHAT}]


def test_migrating_a_chat_without_a_circle_does_nothing(service, now):
    assert service.migrate_chat(CHAT, OTHER_CHAT, now) is False


def test_migrating_onto_a_chat_that_has_a_circle_is_refused(started, now):
    started.start(OTHER_CHAT, "tiny", now, ORGANIZER)
    assert started.migrate_chat(CHAT, OTHER_CHAT, now) is False
    assert started.circle(CHAT) is not None


# Transactions --------------------------------------------------------------------------------


def test_a_failure_in_the_middle_of_restart_leaves_nothing_half_written(started, now, monkeypatch):
    def broken_audit(**_):
        raise RuntimeError("disk full")

    before = started.circle(CHAT)
    monkeypatch.setattr(started.store, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        started.restart(CHAT, now, ORGANIZER)
    assert started.circle(CHAT) == before
    assert started.store.scalar("SELECT count(*) FROM runs") == 1


def test_a_failure_in_the_middle_of_start_leaves_no_circle(service, now, monkeypatch):
    monkeypatch.setattr(service.store, "audit", lambda **_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        service.start(CHAT, "tiny", now, ORGANIZER)
    assert service.circle(CHAT) is None
    assert service.store.scalar("SELECT count(*) FROM runs") == 0


def test_a_failure_after_storing_an_answer_stores_no_answer(started, posted, now, monkeypatch):
    monkeypatch.setattr(started, "_see", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        answer(started, now, 500, ANN, "Ann", posted["prompt"])
    assert started.store.scalar("SELECT count(*) FROM answers") == 0
    assert started.store.scalar("SELECT count(*) FROM members") == 0


# The real exchange -------------------------------------------------------------------------


def test_a_circle_runs_through_the_real_exchange_to_the_end(store, now, message_ids):
    if not REAL_EXCHANGE.exists():
        pytest.skip(f"{REAL_EXCHANGE.name} is not written yet")
    exchange = load_exchange(REAL_EXCHANGE)
    service = CircleService(store, {exchange.id: exchange})
    service.start(CHAT, exchange.id, now, ORGANIZER)
    for index in range(len(exchange.points)):
        session, sent = next_session(service, now + timedelta(days=index), message_ids)
        assert session.point_index == index
        assert list(sent) == [out.key for out in render_point(exchange, index)]
        reply = answer(service, now, 10_000 + index, ANN, "Ann", sent["prompt"])
        assert reply.point_id == exchange.points[index].id
    final = service.open_session(CHAT, now + timedelta(days=len(exchange.points)))
    assert final.finished
    assert all(p.discussed for p in service.points_overview(CHAT))
    assert len(service.member_answers(CHAT, ANN)) == len(exchange.points)


def test_the_engine_does_not_import_telegram():
    code = (
        "import sys, bot.circle\n"
        "leaked = [m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')]\n"
        "assert not leaked, leaked\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
