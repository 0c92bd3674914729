"""/stats and `circle-bot stats`: how the current run is going, as plain values.

Answers per point and per member, the quietest points, members who have answered neither of
the last two points posted, and the polls' results; `grid` feeds the chart (bot/stats_chart.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.exchange import Exchange
from bot.model import SENT, Refusal, load_circle
from bot.polls import PollTally, run_polls
from bot.store import Store
from bot.text import circle as text

QUIETEST = 3


@dataclass(frozen=True)
class PointStat:
    number: int
    title: str
    answers: int
    members: int


@dataclass(frozen=True)
class MemberStat:
    user_id: int
    name: str
    answers: int
    points: int  # how many points they answered


@dataclass(frozen=True)
class Stats:
    exchange_title: str
    run_number: int
    points: tuple[PointStat, ...]  # posted or answered, in point order
    members: tuple[MemberStat, ...]  # most answers first
    quietest: tuple[PointStat, ...]
    silent: tuple[str, ...]  # members who answered neither of the last two points posted
    last_points: tuple[int, ...]  # those points' numbers
    polls: tuple[tuple[int, PollTally], ...]  # (point number, poll)
    grid: Mapping[tuple[int, int], int]  # (user_id, point number) -> answers


def circle_stats(store: Store, exchanges: Mapping[str, Exchange], chat_id: int) -> Stats | Refusal:
    with store.transaction(write=False):
        circle = load_circle(store, chat_id)
        if circle is None or circle.run_id is None:
            return Refusal(text.no_circle())
        run_id = circle.run_id
        posted = store.all(
            "SELECT point_index, MAX(point_title) AS title, MAX(point_id) AS point_id FROM posts"
            " WHERE run_id = ? AND status = ? GROUP BY point_index",
            [run_id, SENT],
        )
        cells = store.all(
            "SELECT user_id, point_index, COUNT(*) AS answers, MAX(point_title) AS title,"
            " MAX(point_id) AS point_id FROM answers WHERE run_id = ?"
            " GROUP BY user_id, point_index",
            [run_id],
        )
        names = {
            row["user_id"]: row["display_name"]
            for row in store.all(
                "SELECT user_id, display_name, MAX(created_at) FROM answers WHERE run_id = ?"
                " GROUP BY user_id",
                [run_id],
            )
        }
        known = store.all(
            "SELECT user_id, display_name FROM members WHERE chat_id = ?"
            " ORDER BY display_name COLLATE NOCASE, user_id",
            [chat_id],
        )
        polls = run_polls(store, run_id)
    exchange = exchanges.get(circle.exchange_id)
    titles = {row["point_index"]: row["title"] or row["point_id"] for row in posted}
    for row in cells:
        titles.setdefault(row["point_index"], row["title"] or row["point_id"])
    grid = {(row["user_id"], row["point_index"] + 1): row["answers"] for row in cells}
    points = tuple(
        PointStat(
            number=index + 1,
            title=titles[index],
            answers=sum(n for (_, p), n in grid.items() if p == index + 1),
            members=sum(1 for (_, p) in grid if p == index + 1),
        )
        for index in sorted(titles)
    )
    members = sorted(
        (
            MemberStat(
                user_id,
                name,
                sum(n for (u, _), n in grid.items() if u == user_id),
                sum(1 for (u, _) in grid if u == user_id),
            )
            for user_id, name in names.items()
        ),
        key=lambda m: (-m.answers, m.name.casefold(), m.user_id),
    )
    posted_numbers = sorted(index + 1 for index in {row["point_index"] for row in posted})
    last = tuple(posted_numbers[-2:])
    silent = tuple(
        row["display_name"]
        for row in known
        if last and not any((row["user_id"], n) in grid for n in last)
    )
    quietest = tuple(sorted(points, key=lambda p: (p.answers, p.number))[:QUIETEST])
    return Stats(
        exchange_title=exchange.title if exchange else circle.exchange_id,
        run_number=circle.run_number,
        points=points,
        members=tuple(members),
        quietest=quietest,
        silent=silent,
        last_points=last,
        polls=tuple((i + 1, poll) for i in sorted(polls) for poll in polls[i]),
        grid=grid,
    )
