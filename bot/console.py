"""The organizer console and the private side of the bot, below the Telegram layer.

Pure decisions (each with a fast unit test in tests/test_console.py): what a deep link
carries, where an organizer's reply goes, whether a refusal is repeated to a member. And the
little the database keeps: who has a private chat with the bot, and which group their private
commands steer (`private_chats`, docs/database.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store import Store, iso

# A member is refused at most once in this time per chat (a second try gets no message).
REFUSAL_QUIET = timedelta(minutes=5)
PURPOSES = ("mine", "catchup", "status", "console", "export", "nudgeme", "stats", "search")

PRIVATE, GROUP = "private", "group"


@dataclass(frozen=True)
class DeepLink:
    """`?start=<purpose>-<chat>`: what to do in the private chat, and for which group."""

    purpose: str
    chat_id: int | None = None

    @property
    def payload(self) -> str:
        return self.purpose if self.chat_id is None else f"{self.purpose}-{self.chat_id}"


def parse_start(args: list[str]) -> DeepLink | None:
    """The /start payload: `mine`, `mine--100123`, …; None for a plain /start or junk."""
    if len(args) != 1:
        return None
    purpose, _, chat = args[0].partition("-")
    if purpose not in PURPOSES:
        return None
    if not chat:
        return DeepLink(purpose)
    try:
        return DeepLink(purpose, int(chat))
    except ValueError:
        return None


def reply_route(in_private: bool, has_private_chat: bool) -> str:
    """Where an organizer's reply goes: the private chat whenever there is one, else the group
    (with a button to open one)."""
    return PRIVATE if in_private or has_private_chat else GROUP


def refusal_due(last: datetime | None, now: datetime, quiet: timedelta = REFUSAL_QUIET) -> bool:
    """Refuse again only when this member was not refused in this chat in the last minutes."""
    return last is None or now - last >= quiet


def console_target(chosen: int | None, organized: list[int]) -> int | None:
    """The group a private command steers: the remembered choice while the organizer still
    organizes it, else the only circle they organize; None means: ask with a keyboard."""
    if chosen is not None and chosen in organized:
        return chosen
    return organized[0] if len(organized) == 1 else None


# The database: private chats and the console's choice -------------------------------------


def open_private(store: Store, user_id: int, now: datetime) -> None:
    """The user wrote to the bot privately (or a private message reached them)."""
    with store.transaction():
        store.execute(
            "INSERT INTO private_chats (user_id, opened_at) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            [user_id, iso(now)],
        )


def close_private(store: Store, user_id: int) -> None:
    """Telegram refused a private message (the user blocked the bot or never pressed Start)."""
    with store.transaction():
        store.execute("DELETE FROM private_chats WHERE user_id = ?", [user_id])


def has_private(store: Store, user_id: int) -> bool:
    row = store.one("SELECT 1 AS yes FROM private_chats WHERE user_id = ?", [user_id])
    return row is not None


def choose(store: Store, user_id: int, chat_id: int, now: datetime) -> None:
    """Remember the group this organizer's private commands steer."""
    with store.transaction():
        store.execute(
            "INSERT INTO private_chats (user_id, opened_at, console_chat_id) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET console_chat_id = excluded.console_chat_id",
            [user_id, iso(now), chat_id],
        )


def chosen(store: Store, user_id: int) -> int | None:
    row = store.one("SELECT console_chat_id FROM private_chats WHERE user_id = ?", [user_id])
    return row["console_chat_id"] if row else None


def circle_chats(store: Store) -> list[int]:
    """Every chat with a circle, oldest first: the candidates for an organizer's console."""
    return [row["chat_id"] for row in store.all("SELECT chat_id FROM circles ORDER BY id")]


def member_chats(store: Store, user_id: int) -> list[int]:
    """The chats with a circle where this user is a member the bot knows of."""
    rows = store.all(
        "SELECT members.chat_id FROM members JOIN circles ON circles.chat_id = members.chat_id"
        " WHERE members.user_id = ? AND members.left_at IS NULL ORDER BY circles.id",
        [user_id],
    )
    return [row["chat_id"] for row in rows]
