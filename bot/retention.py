"""The retention period (`[storage] retention_days`): personal data older than it is deleted.

What goes: answers (the search index follows by its triggers), members not seen since, public
poll votes cast before it, the audit log's entries (they name organizers) and handled
inbox rows. What stays: circles, runs, posts and poll counts, which name nobody.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store import Store, iso

STATEMENTS = {
    "answers": "DELETE FROM answers WHERE created_at < ?",
    "members": "DELETE FROM members WHERE last_seen < ?",
    "poll votes": "DELETE FROM poll_votes WHERE voted_at < ?",
    "audit entries": "DELETE FROM audit_log WHERE at < ?",
    "inbox rows": "DELETE FROM update_inbox WHERE received_at < ?"
    " AND update_id IN (SELECT update_id FROM update_handled)",
}


def purge(store: Store, now: datetime, days: int) -> dict[str, int]:
    """Delete what is older than `days` (0: nothing); returns how many rows of each kind."""
    if days <= 0:
        return {}
    cutoff = iso(now - timedelta(days=days))
    with store.transaction():
        return {kind: store.execute(sql, [cutoff]).rowcount for kind, sql in STATEMENTS.items()}
