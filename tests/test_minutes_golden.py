"""The minutes in every format against golden files, on a fixture circle with everything that can
go wrong in a file: HTML and Markdown specials in names and answers, Chinese text, an edit,
media answers, a public poll with votes, a member who used /forgetme, a run abandoned by a
restart. Also: the same database gives the same bytes, and 100,000 answers stream in flat memory.

Regenerate the golden files after an intended change, then read the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_minutes_golden.py
"""

import io
import itertools
import os
import tracemalloc
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot import answers, polls
from bot.circles import Circles
from bot.exchange import Poll
from bot.minutes_format import EXTENSIONS, minutes, write_minutes
from bot.sessions import open_session
from tests.engine_helpers import GRACE, walk

GOLDEN = Path(__file__).parent / "golden"
CHAT = -1001234567890  # a supergroup: answers get t.me links
ADMIN, ANN, LI, BOB, CAROL = 1, 7, 8, 9, 10
ANN_NAME = 'Ann <script>alert("x")</script> & *Co* | [me](http://evil)'
TRICKY = "**Not bold** & <b>not HTML</b>\n# not a heading\n> not a quote\n1. not a list | cell"


@pytest.fixture
def circles(store, tiny_exchange):
    point = replace(
        tiny_exchange.points[1],
        poll=Poll("Whose account fits <better>?", ("The letter's", "The reply's"), public=True),
    )
    exchange = replace(
        tiny_exchange,
        title="A tiny exchange & <its> reply",
        source="https://example.org/tiny?a=1&b=2",
        further_reading=("https://example.org/more",),
        points=(tiny_exchange.points[0], point, *tiny_exchange.points[2:]),
    )
    return Circles(store, {exchange.id: exchange})


def post_next(circles, now, ids):
    plan = open_session(circles.store, circles.exchanges, CHAT, now, GRACE)
    return walk(circles.store, plan.delivery, now, ids, poll_ids={"poll": "poll-1"})


@pytest.fixture
def fixture_circle(circles, now):
    store = circles.store
    ids = itertools.count(100)
    said = itertools.count(500)
    circles.start(CHAT, "tiny", now, ADMIN, timezone="Asia/Hong_Kong")
    answers.see_member(store, CHAT, None, "", now, chat_title="Reading <group> & friends")

    def answer(user, name, post, at, text=None, media=None):
        return answers.record_answer(
            store, CHAT, next(said), user, name, post, at, text=text, media_kind=media
        )

    first = post_next(circles, now, ids)
    answer(ANN, ANN_NAME, first["prompt"], now + timedelta(minutes=5), text="First draft.")
    answers.record_edit(store, CHAT, 500, now + timedelta(minutes=9), text=TRICKY)
    answer(
        LI,
        "李明",
        first["letter"],
        now + timedelta(minutes=6),
        text="我认为学生们想要改革。\n第二段。",
    )
    answer(BOB, "Bob", first["reply"], now + timedelta(minutes=7), media="voice")
    answer(BOB, "Bob", first["prompt"], now + timedelta(minutes=8), "A caption", "photo")
    answer(CAROL, "Carol Secret", first["prompt"], now + timedelta(minutes=9), text="Forget me.")

    later = now + timedelta(days=2)
    second = post_next(circles, later, ids)
    answer(LI, "李明", second["poll"], later + timedelta(hours=1), text="见投票。")
    polls.record_vote(store, "poll-1", ANN, ANN_NAME, [0], later)
    polls.record_vote(store, "poll-1", LI, "李明", [1], later + timedelta(minutes=1))
    polls.record_vote(store, "poll-1", CAROL, "Carol Secret", [0], later + timedelta(minutes=2))
    answers.forget_member(store, CHAT, CAROL, later + timedelta(hours=2))
    polls.record_state(store, "poll-1", [1, 1], 2, True, later + timedelta(hours=3))

    circles.restart(CHAT, later + timedelta(days=1), ADMIN)  # run 1 abandoned at point 2
    return circles


@pytest.mark.parametrize("fmt", ["markdown", "html", "csv", "json"])
def test_the_minutes_match_their_golden_file(fixture_circle, fmt):
    text = minutes(fixture_circle.store, CHAT, 1, fmt, fixture_circle.exchanges)
    path = GOLDEN / f"minutes.{EXTENSIONS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", ["markdown", "html", "csv", "json"])
def test_a_forgotten_member_appears_nowhere_and_the_run_says_how_it_ended(fixture_circle, fmt):
    text = minutes(fixture_circle.store, CHAT, 1, fmt, fixture_circle.exchanges)
    assert "Carol" not in text and "Forget me" not in text
    if fmt in ("markdown", "html"):
        assert "<script>alert" not in text  # escaped where markup is rendered
        assert "abandoned at point 2 by a restart" in text
    else:
        assert "restarted" in text or fmt == "csv"


def test_markdown_leaks_no_live_markup_from_names_or_answers(fixture_circle):
    text = minutes(fixture_circle.store, CHAT, 1, "md", fixture_circle.exchanges)
    assert "\\*\\*Not bold\\*\\* & \\<b\\>not HTML\\</b\\>" in text
    assert "> \\# not a heading\n> \\> not a quote\n> 1\\. not a list \\| cell" in text
    assert "**Ann \\<script\\>" in text and "\\[me\\](http://evil)" in text


def test_the_same_database_gives_the_same_bytes(fixture_circle):
    for fmt in ("md", "html", "csv", "json"):
        first = minutes(fixture_circle.store, CHAT, 1, fmt, fixture_circle.exchanges)
        assert minutes(fixture_circle.store, CHAT, 1, fmt, fixture_circle.exchanges) == first


class Sink(io.TextIOBase):
    """Counts what is written and keeps none of it."""

    def __init__(self):
        self.size = 0

    def write(self, text):
        self.size += len(text)
        return len(text)


def add_answers(store, count, first):
    post_id, reply_to = store.one("SELECT id, message_id FROM posts WHERE key = 'prompt'").values()
    run_id = store.scalar("SELECT run_id FROM circles")
    rows = (
        (CHAT, first + n, run_id, 0, "first", "First point", post_id, n % 50, f"Member {n % 50}",
         f"Answer number {n}, with some words to make it a realistic length.", reply_to,
         "2025-06-04T18:00:00+00:00")
        for n in range(count)
    )  # fmt: skip
    with store.transaction():
        store.db.conn.executemany(
            "INSERT INTO answers (chat_id, message_id, run_id, point_index, point_id,"
            " point_title, post_id, user_id, display_name, text, reply_to_message_id,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def peak_bytes(circles, fmt) -> int:
    """The most Python memory writing the minutes took at once (tracemalloc)."""
    sink = Sink()
    tracemalloc.start()
    try:
        write_minutes(circles.store, sink, CHAT, None, fmt, circles.exchanges)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_the_memory_writing_the_minutes_takes_does_not_grow_with_the_answers(circles, now, fmt):
    """Five times the answers, the same peak: 100,000 answers take what 4,000 do (measured
    on fewer rows because tracemalloc makes every allocation slow)."""
    circles.start(CHAT, "tiny", now, ADMIN)
    post_next(circles, now, itertools.count(1))
    add_answers(circles.store, 4_000, 10_000)
    few = peak_bytes(circles, fmt)
    add_answers(circles.store, 16_000, 20_000)
    many = peak_bytes(circles, fmt)
    assert many < few + 100_000, (few, many)
    assert many < 1_000_000  # 20,000 answers as objects would be several megabytes
