"""`circle-bot rehearse` as a user starts it: a real process, driven over its control API.

`Rehearsal` starts the command on a free port with the tiny test exchange and a database file
in tmp_path, reads the page URL it prints, and offers the few HTTP calls a person's actions
become (`say`, `reply`, `jump`), plus waiting for what the bot posts.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
GROUP, ADA, ALICE, BOB = -1001234567890, 101, 102, 103  # bot.fakebotapi.demo's world


class Rehearsal:
    def __init__(self, page_url: str, db: Path):
        self.page_url = page_url
        self.control = page_url.split("/rehearsal")[0] + "/_control"
        self.db = db

    def call(self, name: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.control}/{name}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.load(reply)["result"]

    def messages(self, chat_id: int = GROUP) -> list[dict[str, Any]]:
        return self.call(f"messages?chat_id={chat_id}")

    def bot_texts(self, chat_id: int = GROUP) -> list[str]:
        return [text_of(view) for view in self.messages(chat_id) if view["from_bot"]]

    def say(self, user: int, text: str, chat_id: int = GROUP, reply_to: int | None = None):
        body = {"chat_id": chat_id, "user_id": user, "text": text}
        if reply_to is not None:
            body["reply_to"] = reply_to
        return self.call("send", body)

    def wait_for(self, condition: Callable[[], Any], timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            time.sleep(0.05)
        raise AssertionError("the rehearsal did not get there in time")

    def wait_for_bot(self, pattern: str, chat_id: int = GROUP) -> str:
        """The first bot message in the chat whose text matches `pattern`."""

        def found() -> str | None:
            return next((t for t in self.bot_texts(chat_id) if re.search(pattern, t)), None)

        return self.wait_for(found)


def text_of(view: dict[str, Any]) -> str:
    message = view["message"]
    if "poll" in message:
        return "[poll] " + message["poll"]["question"]
    return message.get("text") or message.get("caption") or ""


@contextmanager
def rehearsal(tmp_path: Path) -> Iterator[Rehearsal]:
    db = tmp_path / "rehearsal.db"
    command = [
        sys.executable, "-m", "bot.cli", "rehearse", "--port", "0", "--db", str(db),
        "--content", str(ROOT / "tests" / "content"), "--exchange", "tiny", "--no-open",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"open (http://127\.0\.0\.1:\d+/\S*)", first)
        assert match, f"no page URL printed: {first!r}"
        running = Rehearsal(match.group(1), db)
        running.wait_for(lambda: _answers(running))
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(running: Rehearsal) -> bool:
    try:
        return bool(running.call("world"))
    except (urllib.error.URLError, ConnectionError):
        return False
