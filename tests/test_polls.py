"""Poll results in the engine: counts, public votes, what /forgetme removes, which polls must be
stopped, and the content switch for a public poll."""

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from bot import answers, polls
from bot.circles import Circles
from bot.exchange import Poll
from bot.sessions import open_session
from tests.engine_helpers import GRACE, walk

CHAT = -1001
ALICE, BOB = 7, 8


@pytest.fixture
def circles(store, tiny_exchange):
    public = replace(tiny_exchange.points[1], poll=Poll("Whose?", ("Letter", "Reply"), public=True))
    exchange = replace(
        tiny_exchange, points=(tiny_exchange.points[0], public, *tiny_exchange.points[2:])
    )
    return Circles(store, {exchange.id: exchange})


def post_next(circles, now, ids, poll_id="poll-1"):
    plan = open_session(circles.store, circles.exchanges, CHAT, now, GRACE)
    return walk(circles.store, plan.delivery, now, ids, poll_ids={"poll": poll_id})


@pytest.fixture
def polled(circles, now):
    """Point 2 (a public poll) posted."""
    ids = itertools.count(100)
    circles.start(CHAT, "tiny", now, None, timezone="Europe/Berlin")
    post_next(circles, now, ids)
    post_next(circles, now, ids)
    return circles


def test_a_posted_poll_starts_with_no_votes(polled):
    tally = polls.tally(polled.store, "poll-1")
    assert tally is not None
    assert (tally.question, tally.options) == ("Whose?", (("Letter", 0), ("Reply", 0)))
    assert not tally.anonymous and not tally.closed


def test_public_votes_are_kept_per_voter_and_the_counts_follow_them(polled, now):
    store = polled.store
    assert polls.record_vote(store, "poll-1", ALICE, "Alice", [0], now)
    assert polls.record_vote(store, "poll-1", BOB, "Bob", [0], now + timedelta(minutes=1))
    assert polls.record_vote(store, "poll-1", BOB, "Bob", [1], now + timedelta(minutes=2))
    tally = polls.tally(store, "poll-1")
    assert tally.options == (("Letter", 1), ("Reply", 1)) and tally.voter_count == 2
    assert tally.voters == (("Alice", ("Letter",)), ("Bob", ("Reply",)))
    polls.record_vote(store, "poll-1", ALICE, "Alice", [], now)  # retracted
    assert polls.tally(store, "poll-1").voters == (("Bob", ("Reply",)),)


def test_a_vote_on_an_unknown_poll_is_ignored(polled, now):
    assert not polls.record_vote(polled.store, "nope", ALICE, "Alice", [0], now)
    assert not polls.record_state(polled.store, "nope", [1, 0], 1, False, now)


def test_a_closed_poll_stays_closed_whatever_a_late_update_says(polled, now):
    polls.record_state(polled.store, "poll-1", [2, 1], 3, True, now)
    polls.record_state(polled.store, "poll-1", [2, 1], 3, False, now)
    assert polls.tally(polled.store, "poll-1").closed


def test_forgetme_removes_the_members_public_votes(polled, now):
    polls.record_vote(polled.store, "poll-1", ALICE, "Alice", [0], now)
    polls.record_vote(polled.store, "poll-1", BOB, "Bob", [1], now)
    answers.forget_member(polled.store, CHAT, ALICE, now)
    assert polls.tally(polled.store, "poll-1").voters == (("Bob", ("Reply",)),)


def test_only_polls_of_a_point_left_behind_are_stale(polled, now):
    assert polls.stale_polls(polled.store, CHAT) == []
    polled.goto(CHAT, 2, now, None)  # the same point, a new visit: the old copy must go
    (stale,) = polls.stale_polls(polled.store, CHAT)
    assert stale.poll_id == "poll-1" and stale.chat_id == CHAT
    polls.mark_closed(polled.store, "poll-1", now)
    assert polls.stale_polls(polled.store, CHAT) == []


def test_every_open_poll_is_stale_once_the_circle_has_ended(polled, now):
    polled.stop(CHAT, now, None)
    assert [p.poll_id for p in polls.stale_polls(polled.store, CHAT)] == ["poll-1"]


def test_the_digest_of_the_closed_point_carries_its_poll(polled, now):
    polls.record_vote(polled.store, "poll-1", ALICE, "Alice", [0], now)
    plan = open_session(polled.store, polled.exchanges, CHAT, now, GRACE)
    assert plan.closed.poll is not None and plan.closed.poll.options[0] == ("Letter", 1)
