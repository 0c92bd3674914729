"""The minutes as files: Markdown and HTML for people, CSV for spreadsheets, JSON for programs.

Every format is written to a file-like object as it goes (`write_minutes`): the answers come
one at a time from a cursor (bot/export.py), so a run of 100,000 answers is written in flat
memory. The same database gives the same bytes: every order is fixed, and nothing depends on
when the file is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TextIO

from bot import minutes_html, minutes_markdown
from bot.exchange import Exchange
from bot.export import (
    Answers,
    Minutes,
    MinutesAnswer,
    MinutesPoint,
    by_point,
    iter_answers,
    load_minutes,
)
from bot.model import Refusal, circle_language
from bot.polls import PollTally
from bot.store import Store
from bot.text import minutes as words
from bot.text import speaking

# Accepted spellings -> canonical format name; the canonical name -> file extension.
FORMATS = {
    "markdown": "markdown",
    "md": "markdown",
    "html": "html",
    "htm": "html",
    "csv": "csv",
    "json": "json",
}
EXTENSIONS = {"markdown": "md", "html": "html", "csv": "csv", "json": "json"}
CSV_COLUMNS = (
    "run",
    "point_number",
    "point_id",
    "point_title",
    "author",
    "user_id",
    "created",
    "edited",
    "media_kind",
    "text",
    "link",
)


def normalize_format(name: str) -> str | None:
    """'md'/'markdown'/'html'/'csv'/'json' (any case) -> the canonical name; None otherwise."""
    return FORMATS.get(name.strip().lower())


def filename(minutes: Minutes, fmt: str = "markdown") -> str:
    """`minutes-<exchange>-run<N>.<ext>`, safe as a file name anywhere."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", minutes.exchange_id).strip("-") or "circle"
    return f"minutes-{slug}-run{minutes.run_number}.{EXTENSIONS[FORMATS[fmt]]}"


def write_minutes(
    store: Store,
    out: TextIO,
    chat_id: int,
    run_number: int | None = None,
    fmt: str = "markdown",
    exchanges: Mapping[str, Exchange] | None = None,
) -> Minutes | Refusal:
    """Write a run's minutes to `out` (nothing when refused). Pass `exchanges` for the
    excerpts, notes and prompts (without them the minutes still read, from the titles stored
    with each answer). `run_number` None means the current run."""
    canonical = FORMATS.get(fmt.lower())
    if canonical is None:
        return Refusal(words.unknown_format(fmt))
    # One read transaction: the header and the streamed answers are the same snapshot.
    with store.transaction(write=False):
        loaded = load_minutes(store, exchanges or {}, chat_id, run_number)
        if isinstance(loaded, Refusal):
            return loaded
        # The minutes are the circle's record: in its language, whoever asks and from where.
        with speaking(circle_language(store, exchanges or {}, chat_id)):
            WRITERS[canonical](loaded, iter_answers(store, loaded), out)
    return loaded


def minutes(
    store: Store,
    chat_id: int,
    run_number: int | None = None,
    fmt: str = "markdown",
    exchanges: Mapping[str, Exchange] | None = None,
) -> str | Refusal:
    """The minutes as one string (small runs, tests); `write_minutes` streams."""
    buffer = io.StringIO(newline="")
    result = write_minutes(store, buffer, chat_id, run_number, fmt, exchanges)
    return result if isinstance(result, Refusal) else buffer.getvalue()


# CSV ---------------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula; a member's answer
# "=HYPERLINK(...)" must stay text in the organizer's spreadsheet (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(minutes: Minutes, answers: Answers, out: TextIO) -> None:
    # QUOTE_MINIMAL quotes any field with a comma, quote or line break (RFC 4180).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for point, theirs in by_point(minutes.points, answers):
        for answer in theirs:
            writer.writerow(
                [
                    minutes.run_number,
                    point.number,
                    point.id,
                    _cell(point.title),
                    _cell(answer.author),
                    answer.user_id,
                    answer.created_at.isoformat(),
                    answer.edited_at.isoformat() if answer.edited_at else "",
                    answer.media_kind or "",
                    _cell(answer.text or ""),
                    answer.link or "",
                ]
            )


# JSON --------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _poll(poll: PollTally) -> dict[str, Any]:
    return {
        "question": poll.question,
        "anonymous": poll.anonymous,
        "closed": poll.closed,
        "voter_count": poll.voter_count,
        "options": [{"text": text, "votes": count} for text, count in poll.options],
        "voters": [{"name": name, "chose": list(chose)} for name, chose in poll.voters],
    }


def header(minutes: Minutes) -> dict[str, Any]:
    """Everything but the points, as JSON-ready values (times with the circle's offset)."""
    return {
        "exchange": {
            "id": minutes.exchange_id,
            "title": minutes.exchange_title,
            "source": minutes.source or None,
            "further_reading": list(minutes.further_reading),
        },
        "chat": {"id": minutes.chat_id, "title": minutes.chat_title or None},
        "run": {
            "number": minutes.run_number,
            "of": minutes.run_count,
            "started_at": _when(minutes.started_at),
            "finished_at": _when(minutes.finished_at),
            "ended": minutes.ended,
            "ended_at_point": minutes.ended_point,
        },
        "timezone": minutes.timezone,
        "participation": [
            {
                "user_id": member.user_id,
                "author": member.name,
                "answers": {str(n): count for n, count in sorted(member.answers.items())},
            }
            for member in minutes.participants
        ],
    }


def _point_fields(point: MinutesPoint) -> dict[str, Any]:
    return {
        "number": point.number,
        "id": point.id,
        "title": point.title,
        "letter": point.letter or None,
        "reply": point.reply or None,
        "notes": [{"term": term, "note": note} for term, note in point.notes],
        "prompts": list(point.prompts),
        "polls": [_poll(poll) for poll in point.polls],
    }


def _answer(answer: MinutesAnswer) -> dict[str, Any]:
    return {
        "author": answer.author,
        "user_id": answer.user_id,
        "created_at": _when(answer.created_at),
        "edited_at": _when(answer.edited_at),
        "media_kind": answer.media_kind,
        "text": answer.text,
        "link": answer.link,
    }


def _json(minutes: Minutes, answers: Answers, out: TextIO) -> None:
    """One JSON document, written piece by piece: the header indented, then each point on
    its lines with one answer per line."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = json.dumps(header(minutes), ensure_ascii=False, indent=2)
    out.write(head[: head.rindex("}")].rstrip() + ',\n  "points": [')
    for n, (point, theirs) in enumerate(by_point(minutes.points, answers)):
        out.write(",\n    {" if n else "\n    {")
        out.write(", ".join(f"{dump(k)}: {dump(v)}" for k, v in _point_fields(point).items()))
        out.write(', "answers": [')
        for m, answer in enumerate(theirs):
            out.write(("," if m else "") + "\n      " + dump(_answer(answer)))
        out.write("\n    ]}" if point.answer_count else "]}")
    out.write("\n  ]\n}\n" if minutes.points else "]\n}\n")


WRITERS = {
    "markdown": minutes_markdown.write,
    "html": minutes_html.write,
    "csv": _csv,
    "json": _json,
}
