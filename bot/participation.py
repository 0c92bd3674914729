"""Who the members are, who answered, and who asked to be nudged: the engine's side.

Members come from what Telegram sends: `chat_member` updates when the bot is an administrator
(source 'chat_member': silent members too), otherwise messages and replies (source 'message':
only those who wrote). The pure decisions here (`participation`, `nudge_targets`) are tested
in tests/test_participation.py; nothing here names anyone in the group.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.store import Store, iso

CHAT_MEMBER, MESSAGE = "chat_member", "message"
GONE = ("left", "kicked")


@dataclass(frozen=True)
class Member:
    user_id: int
    display_name: str
    source: str
    nudge: bool = False


@dataclass(frozen=True)
class Participation:
    """The current point: `known` members (organizers left out), who answered, who not yet;
    `source` says where the bot learnt of them (CHAT_MEMBER or MESSAGE)."""

    known: int
    answered: tuple[str, ...]
    not_yet: tuple[str, ...]
    source: str


def participation(
    members: Iterable[Member],
    answered: dict[int, str],
    organizers: Collection[int],
) -> Participation:
    """Answered / not yet among the members the bot knows of; organizers are not counted as
    non-answerers (they may still answer, and then they are listed as having answered)."""
    members = list(members)
    counted = [m for m in members if m.user_id not in organizers or m.user_id in answered]
    counted_ids = {m.user_id for m in counted}
    extra = [uid for uid in answered if uid not in counted_ids]  # answered, never noted
    source = CHAT_MEMBER if any(m.source == CHAT_MEMBER for m in members) else MESSAGE
    return Participation(
        known=len(counted) + len(extra),
        answered=tuple(answered.values()),
        not_yet=tuple(m.display_name for m in counted if m.user_id not in answered),
        source=source,
    )


def nudge_targets(
    opted_in: Iterable[int],
    answered: Collection[int],
    already: Collection[int],
    organizers: Collection[int] = (),
) -> list[int]:
    """Who gets a private nudge: opted in, no answer to the point yet, not nudged yet."""
    return [
        uid
        for uid in opted_in
        if uid not in answered and uid not in already and uid not in organizers
    ]


# The database ------------------------------------------------------------------------------


def member_changed(
    store: Store, chat_id: int, user_id: int, name: str, status: str, now: datetime
) -> None:
    """A chat_member update: a member joined, left, or changed status."""
    left = iso(now) if status in GONE else None
    with store.transaction():
        store.execute(
            "INSERT INTO members (chat_id, user_id, display_name, first_seen, last_seen,"
            " source, left_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, user_id) DO UPDATE SET display_name = excluded.display_name,"
            " last_seen = excluded.last_seen, source = excluded.source, left_at = excluded.left_at",
            [chat_id, user_id, name, iso(now), iso(now), CHAT_MEMBER, left],
        )


def current_members(store: Store, chat_id: int) -> list[Member]:
    """Members who have not left, by name."""
    rows = store.all(
        "SELECT user_id, display_name, source, nudge FROM members WHERE chat_id = ?"
        " AND left_at IS NULL ORDER BY display_name COLLATE NOCASE, user_id",
        [chat_id],
    )
    return [Member(r["user_id"], r["display_name"], r["source"], bool(r["nudge"])) for r in rows]


def set_nudge(store: Store, chat_id: int, user_id: int, name: str, on: bool, now: datetime) -> None:
    """Opt in to (or out of) a private reminder before the point closes."""
    with store.transaction():
        store.execute(
            "INSERT INTO members (chat_id, user_id, display_name, first_seen, last_seen, nudge)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
            " nudge = excluded.nudge, last_seen = excluded.last_seen",
            [chat_id, user_id, name, iso(now), iso(now), int(on)],
        )


def anyone_nudged(store: Store, chat_id: int) -> bool:
    """Whether any member of the chat asked for private nudges (else no nudge job is armed)."""
    return store.scalar("SELECT 1 FROM members WHERE chat_id = ? AND nudge = 1 LIMIT 1", [chat_id])


def wants_nudge(store: Store, chat_id: int, user_id: int) -> bool:
    row = store.one(
        "SELECT nudge FROM members WHERE chat_id = ? AND user_id = ?", [chat_id, user_id]
    )
    return bool(row and row["nudge"])


def claim_nudges(
    store: Store, chat_id: int, organizers: Collection[int], kind: str, now: datetime
) -> tuple[int, list[int]]:
    """In one transaction: the opted-in members without an answer to the current point who
    have not had a nudge of this `kind` for it; records them as nudged. Returns the point
    number and the user ids (empty when no point is out)."""
    with store.transaction():
        circle = store.one("SELECT run_id, point_index FROM circles WHERE chat_id = ?", [chat_id])
        if circle is None or circle["run_id"] is None:
            return 0, []
        run_id, index = circle["run_id"], circle["point_index"]
        point = [run_id, index]
        answered = {
            r["user_id"]
            for r in store.all(
                "SELECT user_id FROM answers WHERE run_id = ? AND point_index = ?", point
            )
        }
        already = {
            r["user_id"]
            for r in store.all(
                "SELECT user_id FROM nudges WHERE chat_id = ? AND run_id = ? AND point_index = ?"
                " AND kind = ?",
                [chat_id, *point, kind],
            )
        }
        opted = [m.user_id for m in current_members(store, chat_id) if m.nudge]
        targets = nudge_targets(opted, answered, already, organizers)
        for user_id in targets:
            store.execute(
                "INSERT INTO nudges (chat_id, user_id, run_id, point_index, kind, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [chat_id, user_id, *point, kind, iso(now)],
            )
        return index + 1, targets
