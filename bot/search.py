"""/search and `circle-bot search`: full-text search over a circle's answers (SQLite FTS5).

The index is `answers_fts` (migration `answers_search`). A new answer waits in
`answers_fts_backlog` (migration `search_backlog`) and is indexed by the next search, in bulk;
triggers keep indexed answers in step with edits and /forgetme. Words are matched with Porter
stemming ("votes" finds "vote"), all of them must occur, and hits are ranked by FTS5's bm25
(`rank`), best first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.export import zone_of
from bot.model import Refusal
from bot.store import Store, parse_iso
from bot.text import circle as text
from bot.text.posts import answer_link

LIMIT = 10
HIT_START, HIT_END = "\x02", "\x03"  # around matched words in `snippet`


@dataclass(frozen=True)
class Hit:
    run_number: int
    point_number: int
    point_title: str
    author: str
    created_at: datetime  # in the circle's time zone
    snippet: str  # the answer around the matched words, which are between HIT_START/HIT_END
    link: str | None

    def marked(self, before: str, after: str, escape: Callable[[str], str] = str) -> str:
        """The snippet with each matched word between `before` and `after`, the rest escaped."""
        parts = re.split(f"([{HIT_START}{HIT_END}])", self.snippet)
        marks = {HIT_START: before, HIT_END: after}
        return "".join(marks.get(part) or escape(part) for part in parts)


def query(words: str) -> str | None:
    """The words as an FTS5 query that every one of them must match; each word is quoted, so
    nothing a member types is read as FTS5 syntax. None when there is no word at all."""
    tokens = re.findall(r"\w+", words)
    return " ".join(f'"{token}"' for token in tokens) or None


def index_backlog(store: Store) -> int:
    """Index the answers stored since the last search; returns how many."""
    with store.transaction():
        count = store.execute(
            "INSERT INTO answers_fts (rowid, text) SELECT answers.id, answers.text"
            " FROM answers_fts_backlog JOIN answers ON answers.id = answers_fts_backlog.answer_id"
        ).rowcount
        store.execute("DELETE FROM answers_fts_backlog")
    return count


def search(store: Store, chat_id: int, words: str, limit: int = LIMIT) -> list[Hit] | Refusal:
    match = query(words)
    index_backlog(store)
    with store.transaction(write=False):
        circle = store.one(
            "SELECT id, timezone, thread_id FROM circles WHERE chat_id = ?", [chat_id]
        )
        if circle is None:
            return Refusal(text.no_circle())
        if match is None:
            return []
        rows = store.all(
            "SELECT answers.chat_id, answers.message_id, answers.point_index,"
            " COALESCE(answers.point_title, answers.point_id) AS title, answers.display_name,"
            " answers.created_at, runs.number AS run_number,"
            " snippet(answers_fts, 0, ?, ?, '…', 24) AS snippet"
            " FROM answers_fts JOIN answers ON answers.id = answers_fts.rowid"
            " JOIN runs ON runs.id = answers.run_id"
            " WHERE answers_fts MATCH ? AND runs.circle_id = ?"
            " ORDER BY answers_fts.rank, answers.id LIMIT ?",
            [HIT_START, HIT_END, match, circle["id"], limit],
        )
    zone = zone_of(circle["timezone"])
    return [
        Hit(
            run_number=row["run_number"],
            point_number=row["point_index"] + 1,
            point_title=row["title"],
            author=row["display_name"],
            created_at=parse_iso(row["created_at"]).astimezone(zone),  # type: ignore[union-attr]
            snippet=row["snippet"] or "",
            link=answer_link(row["chat_id"], row["message_id"], circle["thread_id"]),
        )
        for row in rows
    ]
