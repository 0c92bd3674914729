"""An exchange — a letter and the reply to it, split into points — as plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Poll:
    question: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Point:
    id: str
    title: str
    letter: str
    reply: str
    prompts: tuple[str, ...]
    notes: tuple[tuple[str, str], ...] = ()
    poll: Poll | None = None
    line: int = 0


@dataclass(frozen=True)
class Exchange:
    id: str
    title: str
    letter_author: str
    reply_author: str
    language: str
    points: tuple[Point, ...]
    source: str = ""
    date: str = ""
    further_reading: tuple[str, ...] = ()
    source_ignore: tuple[str, ...] = ()
    path: str = ""

    def point_index(self, point_id: str) -> int | None:
        for index, point in enumerate(self.points):
            if point.id == point_id:
                return index
        return None


# A sentence ends at . ! ? or … optionally followed by a closing quote or bracket, then space.
# Two fixed-width look-behinds, because `re` refuses a variable-width one.
SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)]))\s+")


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping closing quotes with their sentence."""
    return [part for part in SENTENCE_BREAK.split(text.strip()) if part]


def paragraphs(text: str) -> list[str]:
    """Split an excerpt into paragraphs; lines wrapped inside a paragraph are re-joined."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(line.strip() for line in block.splitlines()) for block in blocks if block]
