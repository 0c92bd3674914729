"""The minutes as text: Markdown for people, CSV for spreadsheets, JSON for programs."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.exchange import Exchange
from bot.export import Minutes, load_minutes
from bot.model import Refusal
from bot.store import Store
from bot.text import minutes as words

# Accepted spellings -> canonical format name; the canonical name -> file extension.
FORMATS = {"markdown": "markdown", "md": "markdown", "csv": "csv", "json": "json"}
EXTENSIONS = {"markdown": "md", "csv": "csv", "json": "json"}
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
)


def normalize_format(name: str) -> str | None:
    """'md'/'markdown'/'csv'/'json' (any case) -> the canonical name; None if not a format."""
    return FORMATS.get(name.strip().lower())


def filename(minutes: Minutes, fmt: str = "markdown") -> str:
    """`minutes-<exchange>-run<N>.<ext>`, safe as a file name anywhere."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", minutes.exchange_id).strip("-") or "circle"
    return f"minutes-{slug}-run{minutes.run_number}.{EXTENSIONS[FORMATS[fmt]]}"


def minutes(
    store: Store,
    chat_id: int,
    run_number: int | None = None,
    fmt: str = "markdown",
    exchanges: Mapping[str, Exchange] | None = None,
) -> str | Refusal:
    """The minutes of a chat's circle as text. Pass `exchanges` for prompts (without them the
    minutes still read, from the titles stored with each answer). `run_number` None means the
    current run."""
    canonical = FORMATS.get(fmt.lower())
    if canonical is None:
        return Refusal(words.unknown_format(fmt))
    loaded = load_minutes(store, exchanges or {}, chat_id, run_number)
    if isinstance(loaded, Refusal):
        return loaded
    return render(loaded, canonical)


# Rendering ---------------------------------------------------------------------------------


def render(minutes: Minutes, fmt: str = "markdown") -> str:
    """The minutes as text in one of FORMATS."""
    return {"markdown": _markdown, "csv": _csv, "json": _json}[FORMATS[fmt]](minutes)


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _markdown(minutes: Minutes) -> str:
    finished = _when(minutes.finished_at) if minutes.finished_at else None
    lines = [
        words.title(minutes.exchange_title),
        "",
        words.exchange(minutes.exchange_id),
        words.run(minutes.run_number, minutes.run_count),
        words.started(_when(minutes.started_at)),
        words.finished(finished),
        words.answers(minutes.answer_count, minutes.author_count),
        words.timezone(minutes.timezone),
    ]
    if not minutes.points:
        lines += ["", words.nothing_posted()]
    for point in minutes.points:
        lines += ["", words.point(point.number, point.title)]
        if point.prompts:
            lines += ["", words.prompts(), ""]
            lines += [f"- {prompt}" for prompt in point.prompts]
        lines.append("")
        if not point.answers:
            lines.append(words.no_answers())
        for answer in point.answers:
            edited = words.edited() if answer.edited_at else ""
            lines += [f"**{answer.author}** · {_when(answer.created_at)}{edited}", ""]
            # A blockquote keeps a multi-line answer together and its own Markdown contained.
            lines += [f"> {line}" if line else ">" for line in answer.body.splitlines() or [""]]
            lines.append("")
        if lines[-1] == "":
            lines.pop()
    return "\n".join(lines) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula; a member's answer
# "=HYPERLINK(...)" must stay text in the organizer's spreadsheet (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(minutes: Minutes) -> str:
    buffer = io.StringIO()
    # QUOTE_MINIMAL quotes any field with a comma, quote or line break (RFC 4180).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for point in minutes.points:
        for answer in point.answers:
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
                ]
            )
    return buffer.getvalue()


def as_dict(minutes: Minutes) -> dict[str, Any]:
    """The minutes as JSON-ready values; times are ISO-8601 with the circle's UTC offset."""

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "exchange": {"id": minutes.exchange_id, "title": minutes.exchange_title},
        "chat_id": minutes.chat_id,
        "run": {
            "number": minutes.run_number,
            "of": minutes.run_count,
            "started_at": when(minutes.started_at),
            "finished_at": when(minutes.finished_at),
        },
        "timezone": minutes.timezone,
        "points": [
            {
                "number": point.number,
                "id": point.id,
                "title": point.title,
                "prompts": list(point.prompts),
                "answers": [
                    {
                        "author": answer.author,
                        "user_id": answer.user_id,
                        "created_at": when(answer.created_at),
                        "edited_at": when(answer.edited_at),
                        "media_kind": answer.media_kind,
                        "text": answer.text,
                    }
                    for answer in point.answers
                ],
            }
            for point in minutes.points
        ],
    }


def _json(minutes: Minutes) -> str:
    return json.dumps(as_dict(minutes), ensure_ascii=False, indent=2) + "\n"
