"""An exchange — a letter and the reply to it, split into points — as plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Poll:
    question: str
    options: tuple[str, ...]
    # Anonymous unless the exchange asks otherwise: who voted what stays between the member
    # and Telegram (docs/content-format.md, "Polls").
    public: bool = False


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
    # The start of the source line where the reply begins (a heading such as "ICL reply:" or
    # the reply's first words); `content check --source` splits the original there.
    reply_begins: str = ""

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


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def excerpt_sentences(text: str) -> list[str]:
    """The sentences of an excerpt, whitespace normalized, in order."""
    return [normalize(s) for paragraph in paragraphs(text) for s in sentences(paragraph)]


@dataclass(frozen=True)
class Requote:
    """An excerpt that shows again what earlier points of the same side already showed."""

    points: tuple[int, ...]  # 1-based numbers of the earlier points, in order
    whole: bool  # every sentence was shown before, not just some


def requoted(exchange: Exchange, index: int, part: str) -> Requote | None:
    """Whether point `index`'s letter or reply excerpt repeats sentences of earlier points.

    Computed rather than declared, so a re-quote can never go unmarked: members who read the
    same sentence twice should know it is the same text, not a new argument.
    """
    first_shown: dict[str, int] = {}
    for number, point in enumerate(exchange.points[:index], start=1):
        for sentence in excerpt_sentences(getattr(point, part)):
            first_shown.setdefault(sentence, number)
    mine = excerpt_sentences(getattr(exchange.points[index], part))
    earlier = [first_shown[sentence] for sentence in mine if sentence in first_shown]
    if not earlier:
        return None
    return Requote(tuple(sorted(set(earlier))), whole=len(earlier) == len(mine))
