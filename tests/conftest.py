"""Shared fixtures: a fixed clock, a database file in tmp_path, a tiny exchange built in code
for the unit tests, and the fake Bot API with the standard world for the bot suite (whose
exchange is tests/content/tiny.toml, see tests/bot_harness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.exchange import Exchange, Point, Poll
from bot.fakebotapi import FakeBotAPI
from bot.store import Store, open_store
from tests.bot_harness import make_world, serving

# Long enough that render_point splits it: point 3's letter goes out as "letter" + "letter.2".
LONG_LETTER = "\n\n".join(
    f"Paragraph {n}. " + "The argument continues at some length. " * 20 for n in range(1, 9)
)


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 6, 4, 18, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "circle.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    store = open_store(db_path)
    yield store
    store.close()


@pytest.fixture
def tiny_exchange() -> Exchange:
    """Three points: a plain one, one with a poll, one whose letter is split in two."""
    return Exchange(
        id="tiny",
        title="A tiny exchange",
        letter_author="A reader",
        reply_author="The editors",
        language="en",
        points=(
            Point(
                id="first",
                title="First point",
                letter="The letter's first claim.",
                reply="The reply's first answer.",
                prompts=("Who is right?",),
            ),
            Point(
                id="second",
                title="Second point",
                letter="The letter's second claim.",
                reply="The reply's second answer.",
                prompts=("What is the evidence?", "What follows?"),
                poll=Poll("Whose account fits?", ("The letter's", "The reply's")),
            ),
            Point(
                id="third",
                title="Third point",
                letter=LONG_LETTER,
                reply="The reply's last word.",
                prompts=("What did we learn?",),
            ),
        ),
    )


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """The fake Bot API with the standard world: Ada (admin), Alice and Bob in one group."""
    with serving(FakeBotAPI()) as fake:
        make_world(fake)
        yield fake
        assert fake.internal_errors == []  # a bug in the fake must not pass for the bot's


@pytest.fixture
def forum_api() -> Iterator[FakeBotAPI]:
    """The standard world, with the group a forum (topics)."""
    with serving(FakeBotAPI()) as fake:
        make_world(fake, forum=True)
        yield fake
        assert fake.internal_errors == []
