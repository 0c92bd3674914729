"""Bad input: random text after every command of the command table gets a short, specific
reply (or none), never the generic apology, and never a message Telegram would refuse.

Hypothesis drives one running bot (the real Application on the fake Bot API) for the whole
module: the bot runs on an event loop in a thread, the examples are sent from the test.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.fakebotapi import FakeBotAPI
from bot.telegram.commands import COMMANDS
from bot.text import members as member_text
from tests.bot_harness import ADMIN, Running, make_world, running_bot, serving

TELEGRAM_LIMIT = 4096


class BotThread:
    """A running bot on its own event loop; `command` sends and waits for the replies."""

    def __init__(self, api: FakeBotAPI, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop: asyncio.Event | None = None
        self.bot: Running | None = None
        self.errors: list[str] = []
        errors = self.errors

        class Errors(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                errors.append(record.getMessage())

        logging.getLogger("bot.telegram.errors").addHandler(Errors(logging.ERROR))
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self._main(api, tmp_path),)
        )
        self.thread.start()
        self.ready.wait(30)

    async def _main(self, api: FakeBotAPI, tmp_path: Path) -> None:
        self.stop = asyncio.Event()
        async with running_bot(api, tmp_path) as bot:
            self.bot = bot
            await bot.command("/circle_start")
            await bot.command("/next")
            self.ready.set()
            await self.stop.wait()

    def command(self, text: str) -> list[str]:
        assert self.bot is not None
        future = asyncio.run_coroutine_threadsafe(self.bot.command(text, user=ADMIN), self.loop)
        return future.result(30)

    def close(self) -> None:
        assert self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[BotThread]:
    with serving(FakeBotAPI()) as api:
        make_world(api)
        api.private_chat(ADMIN)
        bot = BotThread(api, tmp_path_factory.mktemp("bad-input"))
        try:
            yield bot
        finally:
            bot.close()
        assert api.internal_errors == []


# Words, numbers, huge numbers, symbols, markup, other scripts, long runs.
ARGUMENT = st.one_of(
    st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != ""),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "<script>",
            "[l](javascript:x)",
            "&amp;",
            "*_`",
            "99999999999999999999",
            "-1",
            "0",
            "1e9",
            "nan",
            "2026-02-30",
            "25:61",
            "mon,mon,mon",
            "x" * 300,
        ]
    ),
)
ARGUMENTS = st.lists(ARGUMENT, min_size=0, max_size=6).map(" ".join)


@pytest.mark.parametrize("name", [command.name for command in COMMANDS])
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(arguments=ARGUMENTS)
def test_random_arguments_get_a_short_specific_reply_never_the_apology(live, name, arguments):
    replies = live.command(f"/{name} {arguments}".strip())
    assert member_text.sorry() not in replies
    assert all(len(reply) <= TELEGRAM_LIMIT for reply in replies)
    assert live.errors == []  # nothing reached the error handler
