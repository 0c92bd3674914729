"""The fake Bot API in a process of its own, for the inbound bench.

Telegram is another machine: in the bot's process, the fake's HTTP server thread would take
turns with the bot for the GIL and charge the bot for serving its own updates. Here it runs
in a child process that builds the groups, queues the replies when told (`feed`) and serves
`getUpdates` while the bot, or a bare Application, reads them.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

MEMBERS_PER_GROUP = 25
CONTEXT = multiprocessing.get_context("spawn")  # nothing of the parent's threads or loop


def world(api: Any, chats: list[int]) -> None:
    """Groups with the bot's three posts (message ids 1-3, as in the database)."""
    state = api._state
    for n in range(MEMBERS_PER_GROUP):
        api.user(10_000 + n, f"Member {n}")
    for chat_id in chats:
        api.group(chat_id, f"Group {chat_id}", members=range(10_000, 10_000 + MEMBERS_PER_GROUP))
        with state.lock:
            for _ in range(3):
                state.new_message(state.chats[chat_id], state.bot, fields={"text": "A post"})


def feed(api: Any, chats: list[int], replies: int) -> None:
    """Replies to the three posts, from many members of many groups."""
    for n in range(replies):
        chat_id = chats[n % len(chats)]
        user = 10_000 + (n // len(chats)) % MEMBERS_PER_GROUP
        api.send_text(chat_id, user, f"Answer {n}: a thought of a typical length.", 1 + n % 3)


def _serve(channel: Connection, chats: list[int], replies: int) -> None:
    from bot.fakebotapi import FakeBotAPI

    api = FakeBotAPI().start()
    world(api, chats)
    channel.send((api.base_url, api.token))
    while (order := channel.recv()) != "stop":
        assert order == "feed"
        feed(api, chats, replies)
        channel.send("fed")
    api.stop()
    channel.send("stopped")


class FakeProcess:
    """`with FakeProcess(chats, replies) as api:` then `api.feed()`; `api.base_url`, `api.token`."""

    def __init__(self, chats: list[int], replies: int):
        self._channel, child = CONTEXT.Pipe()
        self._process = CONTEXT.Process(target=_serve, args=(child, chats, replies), daemon=True)

    def __enter__(self) -> FakeProcess:
        self._process.start()
        self.base_url, self.token = self._channel.recv()
        return self

    def feed(self) -> None:
        """Queue every reply at the fake; returns once they are queued."""
        self._channel.send("feed")
        self._channel.recv()

    def __exit__(self, *exc: object) -> None:
        self._channel.send("stop")
        self._channel.recv()
        self._process.join()
