"""`circle-bot rehearse` end to end over HTTP, without a browser: the real bot in its own
process, the organizer and two members acting through the fake's control API, the clock
jumped from the page's clock bar, and the database checked afterwards."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.content import load_exchange
from bot.render import render_point
from tests.rehearsal_process import ADA, ALICE, BOB, GROUP, rehearsal

TINY = load_exchange("tests/content/tiny.toml")


def test_a_week_of_a_circle_runs_in_the_rehearsal_in_seconds(tmp_path):
    with rehearsal(tmp_path) as run:
        run.say(ADA, "/circle_start")
        run.wait_for_bot("has started")
        run.say(ADA, "/schedule tue,thu 19:00")
        run.wait_for_bot("The circle meets")
        sessions = run.call("agenda")["sessions"]
        assert len(sessions) == 3 and "19:00" in sessions[0]

        # The page's "jump to the next session": the first point is posted by the schedule.
        jumped = run.call("clock", {"jump": "next"})
        assert any(name.startswith("session:") for name in jumped["fired"])
        parts = len(render_point(TINY, 0))
        point = run.wait_for(lambda: _point_messages(run, 1, parts))
        assert run.call("agenda")["sessions"][0] != sessions[0]  # that session is behind us

        # Two members answer by replying; each answer gets the bot's 👍.
        alice = run.say(ALICE, "The letter has a point.", reply_to=point[-1]["message_id"])
        bob = run.say(BOB, "The reply answers it <b>well</b>.", reply_to=point[0]["message_id"])
        for answer in (alice, bob):
            run.wait_for(lambda answer=answer: _reactions(run, answer["message_id"]) == ["👍"])

        # The next session closes point 1 with its digest and posts point 2.
        run.call("clock", {"jump": "next"})
        digest = run.wait_for_bot("is closed")
        assert "2 answers from 2 members" in digest
        run.wait_for(lambda: _point_messages(run, 2, len(render_point(TINY, 1))))

    with sqlite3.connect(run.db) as db:
        stored = db.execute("SELECT user_id, text, point_index FROM answers ORDER BY user_id")
        assert stored.fetchall() == [
            (ALICE, "The letter has a point.", 0),
            (BOB, "The reply answers it <b>well</b>.", 0),
        ]


def test_the_clock_bar_without_a_schedule_says_there_is_nothing_to_jump_to(tmp_path):
    with rehearsal(tmp_path) as run:
        run.say(ADA, "/circle_start")
        run.wait_for_bot("has started")
        assert run.call("clock", {"jump": "next"})["note"] == "nothing is scheduled"
        assert run.call("agenda")["sessions"] == [
            "No sessions scheduled: /schedule tue,thu 19:00 sets some."
        ]
        after_a_day = datetime.fromisoformat(run.call("clock", {"jump": "day"})["at"])
        after_an_hour = datetime.fromisoformat(run.call("clock", {"jump": "hour"})["at"])
        assert after_an_hour - after_a_day >= timedelta(hours=1)


def _point_messages(run, number: int, parts: int) -> list | None:
    prefix = f"Point {number}/{len(TINY.points)}"
    views = [
        view
        for view in run.messages(GROUP)
        if (view["from_bot"] and view["message"].get("text", "").startswith(prefix))
        or "poll" in view["message"]
    ]
    texts = [view for view in views if "poll" not in view["message"]]
    expected = parts - (1 if TINY.points[number - 1].poll else 0)
    return texts if len(texts) >= expected else None


def _reactions(run, message_id: int) -> list[str]:
    view = next(v for v in run.messages(GROUP) if v["message"]["message_id"] == message_id)
    return [reaction.get("emoji") for reaction in view.get("reactions", [])]
