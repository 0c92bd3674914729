"""Telegram's flood limits as a strict sliding window, for the fake (off unless asked for).

`FakeBotAPI.enforce_flood_limits()` turns it on: at most `per_second` calls with a `chat_id`
arrive in any `second`, and at most `per_group` messages to one group (a negative chat id) in
any `minute`. A call over either limit is refused the way Telegram refuses it, `429 Too Many
Requests: retry after N` with `parameters.retry_after`, and does not count. The windows can be
shortened (`second=0.1, minute=6`) so a test sees the same shape of traffic ten times faster.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from .state import APIError

# Methods that put a message into a chat: these count against the per-group limit.
MESSAGE_METHODS = frozenset(
    {"sendmessage", "sendpoll", "senddocument", "sendphoto", "sendvoice", "sendaudio", "sendvideo"}
)


class FloodLimits:
    def __init__(
        self,
        per_second: int = 30,
        per_group: int = 20,
        second: float = 1.0,
        minute: float = 60.0,
    ):
        self.per_second, self.per_group = per_second, per_group
        self.second, self.minute = second, minute
        self.overall: deque[float] = deque()
        self.groups: dict[Any, deque[float]] = {}
        self.refused = 0

    def check(self, method: str, params: dict[str, Any], now: float) -> APIError | None:
        """Count the call, or refuse it with a 429 (the caller holds the fake's lock)."""
        chat_id = params.get("chat_id")
        if chat_id is None:
            return None
        wait = _over(self.overall, self.per_second, self.second, now)
        group = None
        if method.lower() in MESSAGE_METHODS and _is_group(chat_id):
            group = self.groups.setdefault(chat_id, deque())
            wait = max(wait, _over(group, self.per_group, self.minute, now))
        if wait > 0:
            self.refused += 1
            seconds = max(1, math.ceil(wait))
            return APIError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        self.overall.append(now)
        if group is not None:
            group.append(now)
        return None


def _over(window: deque[float], size: int, length: float, now: float) -> float:
    """0 if one more call fits in the window ending now, else how long until it would."""
    while window and window[0] <= now - length:
        window.popleft()
    if len(window) < size:
        return 0.0
    return window[len(window) - size] + length - now


def _is_group(chat_id: Any) -> bool:
    return isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
