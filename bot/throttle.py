"""How often a member's commands are answered: the rule, as a pure function and a small ledger.

A member who sends commands faster than `LIMIT` in `WINDOW` (the same /help sixty times, say)
gets one short word that they are going too fast, then silence until the window has room
again. Their commands never wait behind anyone else's, and nobody else's behind theirs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(seconds=30)
LIMIT = 6
ANSWER, WARN, IGNORE = "answer", "warn", "ignore"


@dataclass
class Ledger:
    """Recent commands per (chat, member), in memory: a restart forgives everybody."""

    seen: dict[tuple[int, int], deque[datetime]] = field(default_factory=dict)
    warned: dict[tuple[int, int], datetime] = field(default_factory=dict)

    def decide(self, chat_id: int, user_id: int, now: datetime) -> str:
        key = (chat_id, user_id)
        recent = self.seen.setdefault(key, deque())
        while recent and now - recent[0] >= WINDOW:
            recent.popleft()
        verdict = decision(len(recent), self.warned.get(key), now)
        if verdict == ANSWER:
            recent.append(now)
        elif verdict == WARN:
            self.warned[key] = now
        return verdict

    def forgive(self, chat_id: int, user_id: int) -> None:
        """Clear a member's record (an organizer, who is never held back)."""
        self.seen.pop((chat_id, user_id), None)
        self.warned.pop((chat_id, user_id), None)


def decision(recent: int, warned_at: datetime | None, now: datetime) -> str:
    """ANSWER while under the limit; over it, WARN once per window, else IGNORE."""
    if recent < LIMIT:
        return ANSWER
    if warned_at is None or now - warned_at >= WINDOW:
        return WARN
    return IGNORE
