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
        return Refusal(f"Unknown format {fmt!r}: use md, csv or json.")
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


# Characters a member's name or answer could use for live Markdown or HTML in the minutes
# (emphasis, links, images, autolinks, raw tags, entities, tables): each is backslash-escaped,
# which CommonMark shows as the character itself.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>&|~])")


def md(text: str) -> str:
    """Text shown as typed in Markdown: no emphasis, link, tag or entity of its own."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _markdown(minutes: Minutes) -> str:
    finished = _when(minutes.finished_at) if minutes.finished_at else "still going"
    lines = [
        f"# Minutes: {minutes.exchange_title}",
        "",
        f"- Exchange: {minutes.exchange_id}",
        f"- Run: {minutes.run_number} of {minutes.run_count}",
        f"- Started: {_when(minutes.started_at)}",
        f"- Finished: {finished}",
        f"- Answers: {minutes.answer_count} from {minutes.author_count} "
        f"member{'s' if minutes.author_count != 1 else ''}",
        f"- Times are in {minutes.timezone}.",
    ]
    if not minutes.points:
        lines += ["", "No point has been posted in this run yet."]
    for point in minutes.points:
        lines += ["", f"## Point {point.number}: {point.title}"]
        if point.prompts:
            lines += ["", "Prompts:", ""]
            lines += [f"- {prompt}" for prompt in point.prompts]
        lines.append("")
        if not point.answers:
            lines.append("No answers.")
        for answer in point.answers:
            edited = " (edited)" if answer.edited_at else ""
            lines += [f"**{md(answer.author)}** · {_when(answer.created_at)}{edited}", ""]
            # A blockquote keeps a multi-line answer together; escaping keeps it text.
            said = md(answer.text or "")
            body = (f"[{answer.media_kind}] {said}".strip() if answer.media_kind else said) or md(
                answer.body
            )
            lines += [f"> {line}" if line else ">" for line in body.splitlines() or [""]]
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
