"""Fast unit tests of issue 13's pure decisions and engine use-cases: deep links, reply routes,
refusals, the console's group, participation, nudges, missed points, late answers, resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import answers, catchup, console, participation, reads
from bot.circles import Circles
from bot.console import DeepLink, parse_start
from bot.participation import CHAT_MEMBER, MESSAGE, Member

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
CHAT = -100123


def test_a_deep_link_carries_its_purpose_and_its_chat():
    assert parse_start(["mine--100123"]) == DeepLink("mine", -100123)
    assert parse_start(["catchup--100123"]).payload == "catchup--100123"
    assert parse_start(["export"]) == DeepLink("export")
    assert parse_start([]) is None
    assert parse_start(["mine-abc"]) is None
    assert parse_start(["unknown--1"]) is None


def test_an_organizer_reply_goes_privately_whenever_there_is_a_private_chat():
    assert console.reply_route(in_private=True, has_private_chat=False) == console.PRIVATE
    assert console.reply_route(in_private=False, has_private_chat=True) == console.PRIVATE
    assert console.reply_route(in_private=False, has_private_chat=False) == console.GROUP


def test_a_member_is_refused_once_in_five_minutes():
    assert console.refusal_due(None, NOW)
    assert not console.refusal_due(NOW, NOW + timedelta(minutes=4))
    assert console.refusal_due(NOW, NOW + timedelta(minutes=5))


def test_the_console_steers_the_remembered_group_or_the_only_one_or_asks():
    assert console.console_target(-2, [-1, -2]) == -2
    assert console.console_target(-3, [-1, -2]) is None  # no longer theirs: ask again
    assert console.console_target(None, [-1]) == -1
    assert console.console_target(None, []) is None


def test_participation_leaves_out_organizers_who_did_not_answer_and_names_the_source():
    members = [
        Member(1, "Ada", MESSAGE),
        Member(2, "Alice", CHAT_MEMBER),
        Member(3, "Carol", MESSAGE),
    ]
    result = participation.participation(members, {2: "Alice", 9: "Zed"}, organizers={1})
    assert result.known == 3  # Alice, Carol, and Zed who answered without being noted
    assert result.not_yet == ("Carol",)
    assert result.answered == ("Alice", "Zed")
    assert result.source == CHAT_MEMBER
    assert participation.participation([], {}, ()).source == MESSAGE


def test_nudges_go_to_opted_in_members_without_an_answer_once():
    assert participation.nudge_targets([1, 2, 3, 4], answered={2}, already={3}, organizers={4}) == [
        1
    ]


def test_missed_points_are_those_posted_less_the_current_and_the_answered():
    assert catchup.missed_indexes([0, 1, 2, 3], answered={1}, current=3) == [0, 2]
    assert catchup.missed_indexes([0], answered=set(), current=None) == [0]


def _started_with_a_sent_post(store, tiny_exchange) -> int:
    """A circle whose point 1 letter is out as message 10; returns the run id."""
    Circles(store, {"tiny": tiny_exchange}).start(CHAT, "tiny", NOW, 1)
    run = store.one("SELECT run_id FROM circles")["run_id"]
    with store.transaction():
        store.insert(
            "posts",
            {
                "circle_id": 1,
                "chat_id": CHAT,
                "run_id": run,
                "point_index": 0,
                "point_id": "first",
                "visit": 1,
                "key": "letter",
                "part": "letter",
                "status": "sent",
                "message_id": 10,
                "created_at": NOW.isoformat(),
            },
        )
    return run


def test_an_answer_keeps_the_time_telegram_says_it_was_written(store, tiny_exchange):
    _started_with_a_sent_post(store, tiny_exchange)
    written = NOW - timedelta(hours=3)
    answer = answers.record_answer(store, CHAT, 11, 2, "Alice", 10, NOW, written_at=written)
    assert answer.created_at == written


def test_a_late_answer_is_reported_once_by_the_next_digest(store, tiny_exchange):
    run = _started_with_a_sent_post(store, tiny_exchange)
    with store.transaction():
        answers.mark_digested(store, run, NOW)  # point 1 closed with no answers
    answers.record_answer(store, CHAT, 11, 2, "Alice", 10, NOW, text="late")
    answers.record_answer(store, CHAT, 12, 3, "Bob", 10, NOW, text="later")
    with store.transaction():
        digest = reads.point_digest(store, run, 1, "Second point")
        answers.mark_digested(store, run, NOW)
    assert digest.late == ((1, 2),)  # one line for the point, not one per answer
    assert reads.point_digest(store, run, 2, "Third point").late == ()


def test_a_stopped_circle_resumes_where_it_was(store, tiny_exchange):
    circles = Circles(store, {"tiny": tiny_exchange})
    circles.start(CHAT, "tiny", NOW, 1)
    circles.goto(CHAT, 2, NOW, 1)
    circles.stop(CHAT, NOW, 1)
    resumed = circles.resume(CHAT, NOW + timedelta(days=1), 1)
    assert resumed.state == "running" and resumed.point_number == 2 and resumed.run_number == 1
    assert store.one("SELECT finished_at FROM runs")["finished_at"] is None


def test_the_private_chats_and_the_console_choice_are_kept(store):
    assert not console.has_private(store, 7)
    console.open_private(store, 7, NOW)
    console.choose(store, 7, CHAT, NOW)
    assert console.has_private(store, 7) and console.chosen(store, 7) == CHAT
    console.close_private(store, 7)
    assert console.chosen(store, 7) is None
