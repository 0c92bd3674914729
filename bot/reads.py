"""Read-only questions about a circle, as plain functions over the store: /status, /points, a
closed point's digest, a member's own answers. The minutes are bot/export.py.

Each takes the store (and the exchange where titles are needed) and returns plain values; the
caller decides the transaction (a digest is read inside the use-case that closes the point).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.exchange import Exchange
from bot.model import (
    ACTIVE,
    FINISHED,
    PAUSED,
    SENT,
    STOPPED,
    Circle,
    Refusal,
    load_with_exchange,
)
from bot.participation import current_members, participation
from bot.polls import PollTally, point_polls
from bot.posting import point_posted, visit_posts
from bot.render import render_point
from bot.schedule.timetable import upcoming
from bot.store import Store, parse_iso


@dataclass(frozen=True)
class Digest:
    point_number: int
    point_title: str
    answer_count: int
    names: tuple[str, ...]  # who answered, first answer first
    messages: tuple[tuple[int, int], ...]  # (chat_id, message_id) of each answer, in order
    late: tuple[tuple[int, int], ...] = ()  # (point_number, answers) to points closed earlier
    poll: PollTally | None = None  # the point's poll in this run (its latest posting)


@dataclass(frozen=True)
class NextPost:
    """What /status says comes next. `kind`: "part" (a paced part at `at`, then perhaps the
    session `then`), "session" (at `at`), "paused", "ended" (finished or stopped), "none"."""

    kind: str
    at: datetime | None = None
    part: str = ""
    then: datetime | None = None


@dataclass(frozen=True)
class Status:
    exchange_title: str
    point_number: int
    point_count: int
    point_title: str
    state: str
    run_number: int
    timezone: str
    answer_count: int
    answered: tuple[str, ...]
    not_answered: tuple[str, ...]
    known: int  # members the bot knows of, organizers who did not answer left out
    source: str  # where it knows them from: participation.CHAT_MEMBER or MESSAGE
    point_posted: bool
    next_post: NextPost
    problems: tuple[str, ...]


@dataclass(frozen=True)
class PointLine:
    number: int
    title: str
    discussed: bool
    current: bool
    first_message: tuple[int, int] | None = None  # (chat_id, message_id) of its first post


@dataclass(frozen=True)
class MemberAnswer:
    run_number: int
    point_number: int
    point_title: str
    text: str | None
    media_kind: str | None
    created_at: datetime  # in the circle's time zone
    edited_at: datetime | None


def point_digest(store: Store, run_id: int | None, point_index: int, title: str) -> Digest:
    """Answers to one point of a run, for the digest posted when the point closes."""
    answers = store.all(
        "SELECT chat_id, message_id, display_name, user_id FROM answers"
        " WHERE run_id = ? AND point_index = ? ORDER BY created_at, id",
        [run_id, point_index],
    )
    names = {a["user_id"]: a["display_name"] for a in answers}
    # Answers to other points that no digest has reported: written after their point closed
    # (or while the bot was down). One line per point, not per answer.
    late = store.all(
        "SELECT point_index, COUNT(*) AS n FROM answers WHERE run_id = ? AND point_index != ?"
        " AND digested_at IS NULL GROUP BY point_index ORDER BY point_index",
        [run_id, point_index],
    )
    polls = point_polls(store, run_id, point_index)
    return Digest(
        point_number=point_index + 1,
        point_title=title,
        answer_count=len(answers),
        names=tuple(dict.fromkeys(names[a["user_id"]] for a in answers)),
        messages=tuple((a["chat_id"], a["message_id"]) for a in answers),
        late=tuple((row["point_index"] + 1, row["n"]) for row in late),
        poll=polls[-1] if polls else None,
    )


def next_post(circle: Circle, pending_part: str | None, now: datetime) -> NextPost:
    """What comes next for /status: never "post with /next" where /next would be refused."""
    if circle.state in (FINISHED, STOPPED):
        return NextPost("ended")
    settings = circle.settings
    runs = upcoming(settings.schedule, settings.holidays, now, circle.marks.last_slot_at, 1)
    session = runs[0] if runs else None
    if circle.state == PAUSED:
        return NextPost("paused", then=session)
    part = "prompt" if pending_part == "poll" else pending_part
    at = circle.pace_times().get(part or "")
    if at is not None and at > now:
        return NextPost("part", at=at, part=part or "", then=session)
    return NextPost("session", at=session) if session else NextPost("none")


def status(
    store: Store,
    exchanges: Mapping[str, Exchange],
    chat_id: int,
    now: datetime,
    organizers: Collection[int] = (),
) -> Status | Refusal:
    """Where the circle stands, and who answered the current point in this run."""
    with store.transaction(write=False):
        loaded = load_with_exchange(store, exchanges, chat_id)
        if isinstance(loaded, Refusal):
            return loaded
        circle, exchange = loaded
        index = min(circle.point_index, len(exchange.points) - 1)
        answers = store.all(
            "SELECT user_id, display_name FROM answers"
            " WHERE run_id = ? AND point_index = ? ORDER BY created_at, id",
            [circle.run_id, index],
        )
        members = current_members(store, chat_id)
        posts = visit_posts(store, circle.run_id, circle.visit)
    rendered = render_point(exchange, index)
    posted = point_posted(posts, rendered, circle.point_index < len(exchange.points))
    pending = next((o.part for o in rendered if posts.get(o.key, {}).get("status") != SENT), None)
    names = {answer["user_id"]: answer["display_name"] for answer in answers}
    taking_part = participation(members, names, organizers)
    return Status(
        exchange_title=exchange.title,
        point_number=index + 1,
        point_count=len(exchange.points),
        point_title=exchange.points[index].title,
        state=circle.state,
        run_number=circle.run_number,
        timezone=circle.timezone,
        answer_count=len(answers),
        answered=tuple(dict.fromkeys(names[a["user_id"]] for a in answers)),
        not_answered=taking_part.not_yet,
        known=taking_part.known,
        source=taking_part.source,
        point_posted=posted,
        next_post=next_post(circle, None if posted else pending, now),
        problems=circle.settings.problems,
    )


def points_overview(
    store: Store, exchanges: Mapping[str, Exchange], chat_id: int
) -> list[PointLine] | Refusal:
    """Every point; `discussed` = all its messages were sent in one visit this run."""
    with store.transaction(write=False):
        loaded = load_with_exchange(store, exchanges, chat_id)
        if isinstance(loaded, Refusal):
            return loaded
        circle, exchange = loaded
        rows = store.all(
            "SELECT point_index, visit, key, chat_id, message_id FROM posts"
            " WHERE run_id = ? AND status = ? ORDER BY id",
            [circle.run_id, SENT],
        )
    sent: dict[tuple[int, int], set[str]] = {}
    first: dict[int, tuple[int, int]] = {}
    for post in rows:
        sent.setdefault((post["point_index"], post["visit"]), set()).add(post["key"])
        first.setdefault(post["point_index"], (post["chat_id"], post["message_id"]))
    lines = []
    for index, point in enumerate(exchange.points):
        keys = {out.key for out in render_point(exchange, index)}
        discussed = any(keys <= visit_keys for (i, _), visit_keys in sent.items() if i == index)
        current = index == circle.point_index and circle.state in ACTIVE
        lines.append(PointLine(index + 1, point.title, discussed, current, first.get(index)))
    return lines


def member_answers(store: Store, chat_id: int, user_id: int) -> list[MemberAnswer]:
    """Everything a member answered in this chat (before a migration too), oldest first."""
    with store.transaction(write=False):
        rows = store.all(
            "SELECT answers.*, runs.number AS run_number, circles.timezone FROM answers"
            " JOIN runs ON runs.id = answers.run_id JOIN circles ON circles.id = runs.circle_id"
            " WHERE answers.user_id = ? AND"
            " (answers.chat_id = ? OR runs.circle_id = (SELECT id FROM circles WHERE chat_id = ?))"
            " ORDER BY answers.created_at, answers.id",
            [user_id, chat_id, chat_id],
        )
    return [
        MemberAnswer(
            run_number=row["run_number"],
            point_number=row["point_index"] + 1,
            point_title=row["point_title"] or row["point_id"],
            text=row["text"],
            media_kind=row["media_kind"],
            created_at=_local(row["created_at"], row["timezone"]),  # type: ignore[arg-type]
            edited_at=_local(row["edited_at"], row["timezone"]),
        )
        for row in rows
    ]


def _local(stored: str | None, timezone: str) -> datetime | None:
    """A stored UTC time in the circle's time zone (as everything else the circle shows)."""
    moment = parse_iso(stored)
    if moment is None:
        return None
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment
