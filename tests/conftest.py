"""Shared fixtures: a fixed clock, a database file in tmp_path, a tiny exchange built in code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.exchange import Exchange, Point, Poll
from bot.store import Store, open_store

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
