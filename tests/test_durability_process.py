"""`circle-bot run` killed and stopped during a burst of answers: nothing Telegram handed over
is lost. A real process against the fake Bot API, which keeps every update until a getUpdates
offset confirms it, as Telegram does."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from html import unescape
from pathlib import Path

from bot.fakebotapi import FakeBotAPI
from bot.render import render_point
from tests.bot_harness import ADMIN, ALICE, BOB, GROUP, TEST_CONTENT, TINY, make_world

ROOT = Path(__file__).parent.parent


def write_config(tmp_path: Path, api: FakeBotAPI, level: str = "INFO") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\napi_base_url = "{api.base_url}"\n'
        f'[storage]\ndatabase = "{tmp_path / "circle.db"}"\n'
        f'[content]\ndirectory = "{TEST_CONTENT}"\ndefault_exchange = "{TINY.id}"\n'
        f'[logging]\nlevel = "{level}"\n',
        encoding="utf-8",
    )
    return config


def start(config: Path, token: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(config), *extra],
        env={**os.environ, "TELEGRAM_BOT_TOKEN": token},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )


def answers_stored(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM answers").fetchone()[0]


PUBLISHED = 3  # setMyCommands calls of one start, at least


def started(api: FakeBotAPI, runs: int) -> None:
    """The `runs`-th start published its command menus (three calls at least per start), so it
    is past its start-up and its signal handlers are in place."""
    api.wait_for(lambda: published(api) >= PUBLISHED * runs, timeout=30)


def published(api: FakeBotAPI) -> int:
    return len(api.calls_to("setMyCommands"))


def killed_and_restarted(
    process: subprocess.Popen, config: Path, api: FakeBotAPI
) -> subprocess.Popen:
    """kill -9, then a new start, waited for until it has published its command menus."""
    process.kill()
    process.wait(timeout=10)
    before = published(api)
    process = start(config, api.token)
    api.wait_for(lambda: published(api) >= before + PUBLISHED, timeout=30)
    return process


def open_point(api: FakeBotAPI) -> int:
    """/circle_start and /next; the message id of the first post members reply to."""
    api.send_text(GROUP, ADMIN, "/circle_start")
    api.wait_for(lambda: api.sent_messages(GROUP), timeout=20)
    api.send_text(GROUP, ADMIN, "/next")
    posts = api.wait_for(
        lambda: [m for m in api.sent_messages(GROUP) if m.get("text", "").startswith("Point 1")],
        timeout=20,
    )
    return posts[0]["message_id"]


def burst(api: FakeBotAPI, post_id: int, count: int) -> None:
    for n in range(count):
        api.send_text(GROUP, (ALICE, BOB)[n % 2], f"answer {n}", reply_to=post_id)


def test_kill_9_again_and_again_during_a_burst_of_answers_loses_none(tmp_path):
    database = tmp_path / "circle.db"
    count = 120
    with FakeBotAPI() as api:
        make_world(api)
        config = write_config(tmp_path, api)
        process = start(config, api.token)
        try:
            started(api, 1)
            post_id = open_point(api)
            burst(api, post_id, count)
            for _ in range(3):
                # Kill once some more answers are stored, mid-burst (👍s may be coalesced under
                # load, so the database is what tells).
                stored = answers_stored(database)
                api.wait_for(
                    lambda stored=stored: answers_stored(database) >= min(stored + 10, count),
                    timeout=30,
                )
                process = killed_and_restarted(process, config, api)
            api.wait_for(
                lambda: not api.pending_updates() and answers_stored(database) == count,
                timeout=60,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=10)
    assert answers_stored(database) == count
    assert process.returncode == 0, output


def test_sigterm_with_a_backlog_exits_0_at_once_and_the_next_start_handles_the_rest(tmp_path):
    database = tmp_path / "circle.db"
    count = 80
    with FakeBotAPI() as api:
        make_world(api)
        config = write_config(tmp_path, api)
        process = start(config, api.token)
        try:
            started(api, 1)
            post_id = open_point(api)
            burst(api, post_id, count)
            # Every update fetched (so confirmed at the next poll), few of them handled yet.
            api.wait_for(lambda: not api.pending_updates(), timeout=20)
            process.send_signal(signal.SIGTERM)
            # Within 5 s: what systemd and Docker wait, with margin, before they kill.
            output, _ = process.communicate(timeout=5)
            assert process.returncode == 0, output
            # A backlog may be left behind (a slow machine); nothing of it may be lost.
            assert answers_stored(database) <= count
            process = start(config, api.token)
            api.wait_for(lambda: answers_stored(database) == count, timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)
    assert answers_stored(database) == count


def point_messages(api: FakeBotAPI, number: int) -> list[str]:
    heading = f"Point {number}/{len(TINY.points)}"
    return [
        message.get("text", "[poll]")
        for message in api.sent_messages(GROUP)
        if message.get("text", "").startswith(heading)
        or ("poll" in message and number == POLL_POINT)
    ]


POLL_POINT = next(n for n, point in enumerate(TINY.points, start=1) if point.poll)


def test_kill_9_while_points_are_posted_loses_no_part_and_doubles_at_most_the_one_in_flight(
    tmp_path,
):
    with FakeBotAPI() as api:
        make_world(api)
        config = write_config(tmp_path, api)
        api.latency = 0.15  # each Bot API call takes a moment: the kill lands mid-point
        process = start(config, api.token)
        kills = 0
        try:
            started(api, 1)
            api.send_text(GROUP, ADMIN, "/circle_start")
            api.wait_for(lambda: api.sent_messages(GROUP), timeout=20)
            for number in (1, 2, 3):
                expected = len(render_point(TINY, number - 1))
                api.send_text(GROUP, ADMIN, "/next")
                api.wait_for(lambda number=number: point_messages(api, number), timeout=20)
                # After the point's first message, before its last.
                process = killed_and_restarted(process, config, api)
                kills += 1
                # Start-up completes the point that was begun, by itself.
                api.wait_for(
                    lambda number=number, expected=expected: (
                        len(point_messages(api, number)) >= expected
                    ),
                    timeout=30,
                )
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    doubled = 0
    for number in (1, 2, 3):
        posted = point_messages(api, number)
        parts = [m.html if not m.poll else "[poll]" for m in render_point(TINY, number - 1)]
        missing = [part[:60] for part in parts if _plain(part) not in posted and part != "[poll]"]
        assert missing == [], (number, missing)
        doubled += len(posted) - len(parts)
    # The documented case (docs/posting-protocol.md): a send whose outcome was never learnt is
    # sent again, so each kill may double the one message that was in flight, no more.
    assert 0 <= doubled <= kills


def _plain(html: str) -> str:
    """A message's text as members see it (Telegram turns the HTML into entities)."""
    return unescape(re.sub(r"<[^>]+>", "", html))
