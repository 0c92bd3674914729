"""The update inbox: every update Telegram handed over is kept here before it is confirmed.

Telegram forgets an update once the next getUpdates names a higher offset (or a webhook
answers 200). So a batch is written here in one transaction first, and only then is the next
offset asked for; a row is marked handled when its handlers finished. Whatever was kept but not
handled (kill -9, SIGTERM with a backlog, a storage fault) is handled at the next start-up.

Updates are plain JSON here (the Telegram layer turns them into objects); no `telegram` import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from bot.store import Store, iso

# Handled rows are kept this long: Telegram keeps an unconfirmed update for 24 hours, and a
# row still here recognises it as already handled should Telegram hand it over again.
KEEP_HANDLED = timedelta(days=2)

JSON = dict[str, Any]


def keep(store: Store, updates: Iterable[JSON], now: datetime) -> list[int]:
    """Write a batch in one transaction; returns the ids that were new (in their order).

    An update already here (handed over again after a restart) is not new: it was handled
    already, or is waiting among `unhandled`.
    """
    updates = list(updates)
    if not updates:
        return []
    ids = [int(update["update_id"]) for update in updates]
    received_at = iso(now)
    with store.transaction():
        # Kept before, or handled (a handled update's payload may be gone: /forgetme).
        kept = {
            row[0]
            for row in store.execute(
                "SELECT update_id FROM update_inbox WHERE update_id BETWEEN ?1 AND ?2"
                " UNION SELECT update_id FROM update_handled WHERE update_id BETWEEN ?1 AND ?2",
                [min(ids), max(ids)],
            )
        }
        fresh = []
        for update_id, update in zip(ids, updates, strict=True):
            if update_id not in kept:
                kept.add(update_id)
                fresh.append((update_id, update))
        store.db.conn.executemany(
            "INSERT INTO update_inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            [(n, orjson.dumps(u).decode(), received_at) for n, u in fresh],
        )  # fmt: skip
    return [n for n, _ in fresh]


def mark_handled(store: Store, update_ids: Sequence[int], now: datetime) -> None:
    """Mark updates handled: the receiver's marks of a burst, written as its grouped commit
    closes (bot/telegram/receiving.py), so they commit with the answers they follow."""
    handled_at = iso(now)
    with store.transaction():
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO update_handled (update_id, handled_at) VALUES (?, ?)",
            [(update_id, handled_at) for update_id in update_ids],
        )


UNHANDLED = "update_id NOT IN (SELECT update_id FROM update_handled)"


def unhandled(store: Store, limit: int = 1000) -> list[JSON]:
    """Kept updates whose handlers have not finished, oldest first."""
    rows = store.all(
        f"SELECT payload FROM update_inbox WHERE {UNHANDLED} ORDER BY update_id LIMIT ?", [limit]
    )
    return [orjson.loads(row["payload"]) for row in rows]


def count_unhandled(store: Store) -> int:
    return int(store.scalar(f"SELECT count(*) FROM update_inbox WHERE {UNHANDLED}"))


def purge(store: Store, now: datetime) -> int:
    """Forget updates handled longer than KEEP_HANDLED ago; returns how many."""
    before = iso(now - KEEP_HANDLED)
    with store.transaction():
        store.execute(
            "DELETE FROM update_inbox WHERE update_id IN"
            " (SELECT update_id FROM update_handled WHERE handled_at < ?)",
            [before],
        )
        return store.execute("DELETE FROM update_handled WHERE handled_at < ?", [before]).rowcount
