"""The circle's polls: what they got, and which must be stopped.

A poll's row (`poll_results`) is written when Telegram confirms the poll was posted. Its counts
come from the `poll` updates Telegram sends the bot that posted it (every poll, anonymous or
not); a public poll also brings a `poll_answer` per voter, kept in `poll_votes`. A poll is live
only while its visit is the circle's current visit of an active run: once the point closes (a
session, /skip), the circle moves elsewhere (/goto, /restart) or ends, the Telegram layer stops
it (`stale_polls`), so a re-posted point never has two live copies of its poll.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.exchange import Poll
from bot.model import ACTIVE
from bot.store import Store, iso


@dataclass(frozen=True)
class PollTally:
    """A poll's result: counts per option, and for a public poll who chose what."""

    poll_id: str
    question: str
    options: tuple[tuple[str, int], ...]  # (option text, voters)
    voter_count: int
    anonymous: bool
    closed: bool
    voters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # public polls: (name, options chosen)


@dataclass(frozen=True)
class LivePoll:
    """A poll still open in the chat that should be stopped."""

    poll_id: str
    chat_id: int
    message_id: int


def add_poll(store: Store, post_id: int, poll_id: str, poll: Poll, now: datetime) -> None:
    """Telegram took the poll: start counting (inside the use-case that confirms the post)."""
    store.execute(
        "INSERT OR IGNORE INTO poll_results (poll_id, post_id, question, options, counts,"
        " voter_count, anonymous, closed, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?)",
        [
            poll_id,
            post_id,
            poll.question,
            json.dumps(list(poll.options), ensure_ascii=False),
            json.dumps([0] * len(poll.options)),
            int(not poll.public),
            iso(now),
        ],
    )


def record_state(
    store: Store,
    poll_id: str,
    counts: Sequence[int],
    voter_count: int,
    closed: bool,
    now: datetime,
) -> bool:
    """A `poll` update (or stopPoll's answer): the poll's counts as Telegram has them now.
    False for a poll that is not the circle's. A closed poll stays closed."""
    with store.transaction():
        return (
            store.execute(
                "UPDATE poll_results SET counts = ?, voter_count = ?, closed = MAX(closed, ?),"
                " updated_at = ? WHERE poll_id = ?",
                [json.dumps(list(counts)), voter_count, int(closed), iso(now), poll_id],
            ).rowcount
            > 0
        )


def record_vote(
    store: Store,
    poll_id: str,
    user_id: int,
    display_name: str,
    option_ids: Sequence[int],
    now: datetime,
) -> bool:
    """A `poll_answer` (public polls only): the member's choice; `[]` retracts it. The counts
    follow the votes, so they are right even before the next `poll` update arrives."""
    with store.transaction():
        row = store.one("SELECT options, anonymous FROM poll_results WHERE poll_id = ?", [poll_id])
        if row is None or row["anonymous"]:
            return False
        if option_ids:
            store.execute(
                "INSERT INTO poll_votes (poll_id, user_id, display_name, option_ids, voted_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (poll_id, user_id) DO UPDATE SET"
                " display_name = excluded.display_name, option_ids = excluded.option_ids,"
                " voted_at = excluded.voted_at",
                [poll_id, user_id, display_name, json.dumps(list(option_ids)), iso(now)],
            )
        else:
            store.execute(
                "DELETE FROM poll_votes WHERE poll_id = ? AND user_id = ?", [poll_id, user_id]
            )
        votes = [
            json.loads(v["option_ids"])
            for v in store.all("SELECT option_ids FROM poll_votes WHERE poll_id = ?", [poll_id])
        ]
        counts = [
            sum(i in chosen for chosen in votes) for i in range(len(json.loads(row["options"])))
        ]
        store.execute(
            "UPDATE poll_results SET counts = ?, voter_count = ?, updated_at = ? WHERE poll_id = ?",
            [json.dumps(counts), len(votes), iso(now), poll_id],
        )
        return True


def mark_closed(store: Store, poll_id: str, now: datetime) -> None:
    """Telegram says the poll can no longer be stopped (already closed, message gone)."""
    with store.transaction():
        store.execute(
            "UPDATE poll_results SET closed = 1, updated_at = ? WHERE poll_id = ?",
            [iso(now), poll_id],
        )


def stale_polls(store: Store, chat_id: int) -> list[LivePoll]:
    """The circle's open polls that are no longer current: every poll of another run or
    visit, and all of them once the circle has ended."""
    with store.transaction(write=False):
        rows = store.all(
            "SELECT poll_results.poll_id, posts.chat_id, posts.message_id FROM poll_results"
            " JOIN posts ON posts.id = poll_results.post_id"
            " JOIN circles ON circles.id = posts.circle_id"
            " WHERE circles.chat_id = ? AND poll_results.closed = 0"
            " AND (posts.run_id IS NOT circles.run_id OR posts.visit != circles.visit"
            f" OR circles.state NOT IN ({', '.join('?' for _ in ACTIVE)}))"
            " ORDER BY posts.id",
            [chat_id, *ACTIVE],
        )
    return [LivePoll(r["poll_id"], r["chat_id"], r["message_id"]) for r in rows]


def _tally(store: Store, row: dict[str, Any]) -> PollTally:
    options = json.loads(row["options"])
    counts = json.loads(row["counts"])
    voters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if not row["anonymous"]:
        votes = store.all(
            "SELECT display_name, option_ids FROM poll_votes WHERE poll_id = ?"
            " ORDER BY voted_at, user_id",
            [row["poll_id"]],
        )
        voters = tuple(
            (v["display_name"], tuple(options[i] for i in json.loads(v["option_ids"])))
            for v in votes
        )
    return PollTally(
        poll_id=row["poll_id"],
        question=row["question"],
        options=tuple(zip(options, counts, strict=True)),
        voter_count=row["voter_count"],
        anonymous=bool(row["anonymous"]),
        closed=bool(row["closed"]),
        voters=voters,
    )


def point_polls(store: Store, run_id: int | None, point_index: int) -> tuple[PollTally, ...]:
    """Every poll a run posted for a point, in posting order (more than one only if the point
    was posted again after /goto)."""
    rows = store.all(
        "SELECT poll_results.* FROM poll_results JOIN posts ON posts.id = poll_results.post_id"
        " WHERE posts.run_id = ? AND posts.point_index = ? ORDER BY posts.id",
        [run_id, point_index],
    )
    return tuple(_tally(store, row) for row in rows)


def run_polls(store: Store, run_id: int) -> dict[int, tuple[PollTally, ...]]:
    """point_index -> the run's polls for it."""
    rows = store.all(
        "SELECT poll_results.*, posts.point_index FROM poll_results"
        " JOIN posts ON posts.id = poll_results.post_id WHERE posts.run_id = ? ORDER BY posts.id",
        [run_id],
    )
    found: dict[int, tuple[PollTally, ...]] = {}
    for row in rows:
        found[row["point_index"]] = (*found.get(row["point_index"], ()), _tally(store, row))
    return found


def tally(store: Store, poll_id: str) -> PollTally | None:
    """One poll's result as it is now (read again after it was stopped)."""
    with store.transaction(write=False):
        row = store.one("SELECT * FROM poll_results WHERE poll_id = ?", [poll_id])
        return _tally(store, row) if row else None
