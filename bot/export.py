"""The circle's minutes: one run's points, with the text discussed and every answer.

Read-only and plain values. `load_minutes` reads what is small — the run's header, its points
(with the letter and reply excerpts, notes, prompts and polls from the exchange), who answered
how often (the participation table) — and `iter_answers` streams the answers themselves from a
cursor, one at a time, so 100,000 answers never sit in memory at once. bot/minutes_format.py
writes them out as Markdown, HTML, CSV or JSON; both run inside one read transaction there, so
header and answers come from the same snapshot.

Times are shown in the circle's time zone. The minutes list the points that were posted or
answered in the run, in point order; a point never reached is left out rather than shown empty.
A member who used /forgetme has no answers, votes or member row left, so they appear nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.exchange import Exchange, Point
from bot.model import SENT, Refusal
from bot.polls import PollTally, run_polls
from bot.store import Store, parse_iso
from bot.text import circle as text
from bot.text import minutes as minutes_text
from bot.text.posts import answer_link


@dataclass(frozen=True)
class MinutesAnswer:
    author: str
    user_id: int
    created_at: datetime  # in the circle's time zone
    edited_at: datetime | None
    media_kind: str | None
    text: str | None
    link: str | None = None  # t.me link to the message (supergroups only)
    given_in_private: bool = False  # through /catchup, after the point

    @property
    def body(self) -> str:
        """What was said, for reading: the text, with "[voice]" etc. in front of a caption."""
        text = self.text or ""
        if self.media_kind:
            return f"[{self.media_kind}] {text}".strip()
        return text or minutes_text.no_text()


Answers = Iterator[tuple[int, MinutesAnswer]]


@dataclass(frozen=True)
class MinutesPoint:
    number: int  # 1-based
    id: str
    title: str
    prompts: tuple[str, ...]
    answer_count: int = 0
    letter: str = ""  # the excerpts and notes come from the exchange file; empty without it
    reply: str = ""
    notes: tuple[tuple[str, str], ...] = ()
    polls: tuple[PollTally, ...] = ()


@dataclass(frozen=True)
class Participant:
    user_id: int
    name: str  # as they last signed an answer in this run
    answers: Mapping[int, int]  # point number -> answers

    @property
    def total(self) -> int:
        return sum(self.answers.values())


@dataclass(frozen=True)
class Minutes:
    chat_id: int
    exchange_id: str
    exchange_title: str
    run_number: int
    run_count: int
    timezone: str
    started_at: datetime
    finished_at: datetime | None
    points: tuple[MinutesPoint, ...]
    run_id: int = 0
    chat_title: str = ""
    thread_id: int | None = None
    source: str = ""
    further_reading: tuple[str, ...] = ()
    letter_author: str = ""
    reply_author: str = ""
    ended: str | None = None  # finished, stopped, restarted; None while the run goes on
    ended_point: int | None = None  # 1-based point it ended at
    participants: tuple[Participant, ...] = ()

    @property
    def answer_count(self) -> int:
        return sum(point.answer_count for point in self.points)

    @property
    def author_count(self) -> int:
        return len(self.participants)


def load_minutes(
    store: Store,
    exchanges: Mapping[str, Exchange],
    chat_id: int,
    run_number: int | None = None,
) -> Minutes | Refusal:
    """One run of the chat's circle (the current one by default), without its answers (see
    `iter_answers`), or why there is none."""
    with store.transaction(write=False):
        circle = store.one(
            "SELECT circles.id, circles.timezone, circles.title, circles.thread_id,"
            " runs.number AS run_number FROM circles"
            " LEFT JOIN runs ON runs.id = circles.run_id WHERE circles.chat_id = ?",
            [chat_id],
        )
        if circle is None or circle["run_number"] is None:
            return Refusal(text.no_minutes())
        run_count = store.scalar("SELECT MAX(number) FROM runs WHERE circle_id = ?", [circle["id"]])
        number = circle["run_number"] if run_number is None else run_number
        run = store.one(
            "SELECT * FROM runs WHERE circle_id = ? AND number = ?", [circle["id"], number]
        )
        if run is None:
            return Refusal(text.no_such_run(number, run_count))
        # The run's answers, wherever they were given (a group that became a supergroup keeps
        # its old answers under the old chat id, tied to the same run).
        answered = store.all(
            "SELECT point_index, MAX(point_id) AS point_id, MAX(point_title) AS point_title,"
            " COUNT(*) AS answers FROM answers WHERE run_id = ? GROUP BY point_index",
            [run["id"]],
        )
        posted = store.all(
            "SELECT point_index, MAX(point_id) AS point_id, MAX(point_title) AS point_title"
            " FROM posts WHERE run_id = ? AND status = ? GROUP BY point_index",
            [run["id"], SENT],
        )
        # Per member and point; the name is the one of their latest answer in the run.
        counts = store.all(
            "SELECT user_id, point_index, COUNT(*) AS answers FROM answers WHERE run_id = ?"
            " GROUP BY user_id, point_index",
            [run["id"]],
        )
        names = store.all(
            "SELECT user_id, display_name, MAX(created_at) FROM answers WHERE run_id = ?"
            " GROUP BY user_id",
            [run["id"]],
        )
        polls = run_polls(store, run["id"])
    zone = zone_of(circle["timezone"])
    exchange = exchanges.get(run["exchange_id"])
    stored = {row["point_index"]: row for row in posted}
    for row in answered:
        stored.setdefault(row["point_index"], row)
    answer_counts = {row["point_index"]: row["answers"] for row in answered}
    points = tuple(
        _point(index, stored[index], exchange, answer_counts.get(index, 0), polls.get(index, ()))
        for index in sorted(stored)
    )
    per_member: dict[int, dict[int, int]] = {}
    for row in counts:
        per_member.setdefault(row["user_id"], {})[row["point_index"] + 1] = row["answers"]
    participants = sorted(
        (Participant(row["user_id"], row["display_name"], per_member[row["user_id"]])
         for row in names),
        key=lambda p: (p.name.casefold(), p.user_id),
    )  # fmt: skip
    started = parse_iso(run["started_at"])
    assert started is not None
    finished = parse_iso(run["finished_at"])
    ended_index = run["ended_point_index"]
    return Minutes(
        chat_id=chat_id,
        exchange_id=run["exchange_id"],
        exchange_title=exchange.title if exchange else run["exchange_id"],
        run_number=run["number"],
        run_count=run_count,
        timezone=str(zone),
        started_at=started.astimezone(zone),
        finished_at=finished.astimezone(zone) if finished else None,
        points=points,
        run_id=run["id"],
        chat_title=circle["title"] or "",
        thread_id=circle["thread_id"],
        source=exchange.source if exchange else "",
        further_reading=exchange.further_reading if exchange else (),
        letter_author=exchange.letter_author if exchange else "",
        reply_author=exchange.reply_author if exchange else "",
        ended=run["ended"] or ("finished" if finished else None),
        ended_point=ended_index + 1 if ended_index is not None else None,
        participants=tuple(participants),
    )


def iter_answers(store: Store, minutes: Minutes) -> Iterator[tuple[int, MinutesAnswer]]:
    """(point number, answer) for every answer of the run, by point, oldest first, read from
    a cursor one row at a time. Call it inside the transaction that loaded `minutes`."""
    zone = ZoneInfo(minutes.timezone)
    cursor = store.execute(
        "SELECT chat_id, message_id, point_index, user_id, display_name, text, media_kind,"
        " created_at, edited_at, given_in_private FROM answers WHERE run_id = ?"
        " ORDER BY point_index, created_at, id",
        [minutes.run_id],
    )
    for chat_id, message_id, index, user_id, name, said, kind, created, edited, private in cursor:
        created_at = parse_iso(created)
        edited_at = parse_iso(edited)
        assert created_at is not None
        yield (
            index + 1,
            MinutesAnswer(
                author=name,
                user_id=user_id,
                created_at=created_at.astimezone(zone),
                edited_at=edited_at.astimezone(zone) if edited_at else None,
                media_kind=kind,
                text=said,
                link=answer_link(chat_id, message_id, minutes.thread_id),
                given_in_private=bool(private),
            ),
        )


def by_point(
    points: tuple[MinutesPoint, ...], answers: Answers
) -> Iterator[tuple[MinutesPoint, Iterator[MinutesAnswer]]]:
    """Each point with its answers, taken from the one ordered stream as the writer reads
    them (what a writer leaves unread is skipped before the next point)."""
    pending = next(answers, None)

    def of(number: int) -> Iterator[MinutesAnswer]:
        nonlocal pending
        while pending is not None and pending[0] == number:
            yield pending[1]
            pending = next(answers, None)

    for point in points:
        theirs = of(point.number)
        yield point, theirs
        for _ in theirs:
            pass


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _point(
    index: int,
    row: dict,
    exchange: Exchange | None,
    answer_count: int,
    polls: tuple[PollTally, ...],
) -> MinutesPoint:
    content = _content_point(exchange, row["point_id"])
    return MinutesPoint(
        number=index + 1,
        id=row["point_id"],
        title=row["point_title"] or (content.title if content else None) or row["point_id"],
        prompts=content.prompts if content else (),
        answer_count=answer_count,
        letter=content.letter if content else "",
        reply=content.reply if content else "",
        notes=content.notes if content else (),
        polls=polls,
    )


def _content_point(exchange: Exchange | None, point_id: str) -> Point | None:
    """The content point an answer belongs to, by id (content files can be reordered)."""
    if exchange is None:
        return None
    found = exchange.point_index(point_id)
    return exchange.points[found] if found is not None else None
