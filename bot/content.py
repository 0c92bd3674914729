"""Exchanges: loading from TOML and validation (the model is in bot/exchange.py).

An exchange is one TOML file under content/ (format: docs/content-format.md). Validation
collects every problem in a file before failing, and each problem names the file, the
point and the line, so an organizer can fix a whole file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.content_problems import Checker, ContentError, Problem
from bot.exchange import Exchange, Point, Poll

__all__ = [
    "ContentError",
    "Problem",
    "exchange_file",
    "load_exchange",
    "load_library",
    "original_file",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL = re.compile(r"^https?://\S+$")
MAX_PROMPTS = 3
POLL_OPTIONS = (2, 10)
# Telegram's own limits for sendPoll; checked here so a bad poll fails at `content check`,
# not in the middle of a session.
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
TITLE_MAX = 120
# Prompts and notes share one message with the answer hint; bounding them keeps it whole.
PROMPT_MAX = 500
NOTE_MAX = 600
NOTE_TERM_MAX = 60
NOTES_TOTAL_MAX = 2000

EXCHANGE_KEYS = {
    "id",
    "title",
    "source",
    "letter_author",
    "reply_author",
    "date",
    "language",
    "further_reading",
    "source_ignore",
    "reply_begins",
    "points",
}
REQUIRED_EXCHANGE_KEYS = ("id", "title", "letter_author", "reply_author", "language")
POINT_KEYS = {"id", "title", "letter", "reply", "prompts", "notes", "poll"}
POLL_KEYS = {"question", "options", "public"}


EXCHANGE_FILE = "exchange.toml"
ORIGINAL_FILE = "original.txt"


def exchange_file(path: str | Path) -> Path:
    """An exchange is a .toml file, or a folder holding exchange.toml (and its original)."""
    path = Path(path)
    return path / EXCHANGE_FILE if path.is_dir() else path


def original_file(path: str | Path) -> Path | None:
    """The original text shipped in an exchange's folder, if there is one."""
    candidate = Path(path) / ORIGINAL_FILE
    return candidate if Path(path).is_dir() and candidate.exists() else None


def load_exchange(path: str | Path) -> Exchange:
    """Load and validate one exchange (file or folder), raising ContentError listing every
    problem."""
    path = exchange_file(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError([Problem(str(path), 0, None, f"cannot read: {error}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else 0
        reason = re.sub(r" \(at line.*\)$", "", str(error))
        message = f"not valid TOML: {reason}"
        raise ContentError([Problem(str(path), line, None, message)]) from None
    check = Checker(path, text)
    exchange = _exchange(check, data, path)
    if check.problems:
        raise ContentError(check.problems)
    assert exchange is not None
    return exchange


def _exchange(check: Checker, data: dict, path: Path) -> Exchange | None:
    for key in data:
        if key not in EXCHANGE_KEYS:
            allowed = ", ".join(sorted(EXCHANGE_KEYS))
            check.top_problem(key, f"unknown key {key!r} (accepted: {allowed})")
    values: dict[str, str] = {}
    for key in REQUIRED_EXCHANGE_KEYS:
        value = check.text(data.get(key))
        if value is None:
            check.top_problem(key, f"{key} is required and must be non-empty text")
        values[key] = value or ""
    if values["id"] and not SLUG.match(values["id"]):
        check.top_problem("id", "id must be lowercase letters, digits and dashes")
    source = data.get("source", "")
    if not isinstance(source, str) or (source and not URL.match(source)):
        check.top_problem("source", "source must be an http(s) URL")
        source = ""
    date = data.get("date", "")
    if not isinstance(date, str):
        date = str(date)  # a TOML date literal is fine; keep its ISO text
    lists = {}
    for key in ("further_reading", "source_ignore"):
        value = check.string_list(data.get(key, []))
        if value is None:
            check.top_problem(key, f"{key} must be a list of strings")
        lists[key] = value or ()
    # Posted to the group as links, so each must be one.
    if any(not URL.match(item) for item in lists["further_reading"]):
        check.top_problem("further_reading", "further_reading must list http(s) URLs")
    reply_begins = data.get("reply_begins", "")
    if not isinstance(reply_begins, str):
        check.top_problem("reply_begins", "reply_begins must be text (where the reply begins)")
        reply_begins = ""
    raw_points = data.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        check.top_problem("points", "an exchange needs at least one [[points]] table")
        raw_points = []
    points = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_points):
        # Checked on the raw id, so a duplicate is reported even when the point has other errors.
        point_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(point_id, str) and SLUG.match(point_id.strip()):
            point_id = point_id.strip()
            if point_id in seen:
                check.point_problem(
                    index,
                    point_id,
                    "id",
                    f"duplicate point id (first used by point {seen[point_id]})",
                )
            seen.setdefault(point_id, index + 1)
        point = _point(check, index, raw)
        if point is not None:
            points.append(point)
    return Exchange(
        id=values["id"],
        title=values["title"],
        letter_author=values["letter_author"],
        reply_author=values["reply_author"],
        language=values["language"],
        points=tuple(points),
        source=source,
        date=date,
        further_reading=lists["further_reading"],
        source_ignore=lists["source_ignore"],
        path=str(path),
        reply_begins=reply_begins.strip(),
    )


def _point(check: Checker, index: int, raw: object) -> Point | None:
    label = f"#{index + 1}"
    if not isinstance(raw, dict):
        check.point_problem(index, label, None, "a point must be a table")
        return None
    point_id = check.text(raw.get("id"))
    if point_id is None or not SLUG.match(point_id):
        check.point_problem(index, label, "id", "id must be lowercase letters, digits and dashes")
    else:
        label = point_id
    problem_count = len(check.problems)
    for key in raw:
        if key not in POINT_KEYS:
            allowed = ", ".join(sorted(POINT_KEYS))
            check.point_problem(index, label, key, f"unknown key {key!r} (accepted: {allowed})")
    title = check.text(raw.get("title"))
    if title is None or len(title) > TITLE_MAX:
        check.point_problem(index, label, "title", f"title must be 1–{TITLE_MAX} characters")
    excerpts = {}
    for key in ("letter", "reply"):
        excerpts[key] = check.text(raw.get(key))
        if excerpts[key] is None:
            check.point_problem(index, label, key, f"{key} excerpt is required")
    prompts = check.string_list(raw.get("prompts"))
    if (
        prompts is None
        or not 1 <= len(prompts) <= MAX_PROMPTS
        or not all(0 < len(prompt) <= PROMPT_MAX for prompt in prompts)
    ):
        check.point_problem(
            index,
            label,
            "prompts",
            f"prompts must be a list of 1–{MAX_PROMPTS} strings of 1–{PROMPT_MAX} characters",
        )
    notes = raw.get("notes", {})
    if not isinstance(notes, dict) or not all(
        0 < len(term.strip()) <= NOTE_TERM_MAX
        and isinstance(value, str)
        and 0 < len(value.strip()) <= NOTE_MAX
        for term, value in notes.items()
    ):
        check.point_problem(
            index,
            label,
            "notes",
            f"notes must map each term (1–{NOTE_TERM_MAX} characters) "
            f"to a text of 1–{NOTE_MAX} characters",
        )
        notes = {}
    if sum(len(term) + len(text) for term, text in notes.items()) > NOTES_TOTAL_MAX:
        check.point_problem(
            index, label, "notes", f"notes add up to more than {NOTES_TOTAL_MAX} characters"
        )
    poll = _poll(check, index, label, raw.get("poll"))
    if len(check.problems) > problem_count or point_id is None:
        return None
    return Point(
        id=point_id,
        title=title or "",
        letter=excerpts["letter"] or "",
        reply=excerpts["reply"] or "",
        prompts=prompts or (),
        notes=tuple((term.strip(), text.strip()) for term, text in notes.items()),
        poll=poll,
        line=check.lines.point(index),
    )


def _poll(check: Checker, index: int, label: str, raw: object) -> Poll | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        check.point_problem(index, label, "poll", "poll must be a table with question and options")
        return None
    for key in raw:
        if key not in POLL_KEYS:
            check.point_problem(index, label, "poll", f"unknown poll key {key!r}")
    question = check.text(raw.get("question"))
    if question is None or len(question) > POLL_QUESTION_MAX:
        check.point_problem(
            index, label, "poll", f"poll question must be 1–{POLL_QUESTION_MAX} characters"
        )
    options = check.string_list(raw.get("options"))
    low, high = POLL_OPTIONS
    if (
        options is None
        or not low <= len(options) <= high
        or not all(0 < len(option) <= POLL_OPTION_MAX for option in options)
        or len(set(options)) != len(options)
    ):
        check.point_problem(
            index,
            label,
            "poll",
            f"poll options must be {low}–{high} distinct strings of 1–{POLL_OPTION_MAX} characters",
        )
        return None
    public = raw.get("public", False)
    if not isinstance(public, bool):
        check.point_problem(index, label, "poll", "poll public must be true or false")
        public = False
    return Poll(question or "", options, public=public) if question else None


def load_library(directory: str | Path) -> dict[str, Exchange]:
    """Load every exchange under a directory, keyed by id; all files' problems at once."""
    exchanges: dict[str, Exchange] = {}
    problems: list[Problem] = []
    directory = Path(directory)
    paths = sorted([*directory.glob("*.toml"), *directory.glob(f"*/{EXCHANGE_FILE}")])
    for path in paths:
        try:
            exchange = load_exchange(path)
        except ContentError as error:
            problems.extend(error.problems)
            continue
        if exchange.id in exchanges:
            problems.append(
                Problem(
                    str(path),
                    1,
                    None,
                    f"exchange id {exchange.id!r} is already used by {exchanges[exchange.id].path}",
                )
            )
            continue
        exchanges[exchange.id] = exchange
    if problems:
        raise ContentError(problems)
    return exchanges
