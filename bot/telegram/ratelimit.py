"""Telegram's flood limits as strict sliding windows, shared out by priority.

Telegram allows about 30 messages a second overall and 20 a minute per group, counted over
*any* second or minute, and punishes 429s with growing waits. PTB's `AIORateLimiter` is a
leaky bucket that lets a burst of about 60 through in the first second; this limiter keeps the
windows strictly instead. A call holds its place in a window from the moment it is let through
until one window length after Telegram answered it, so however long the call took, two calls
that share a place can never reach Telegram within the same window.

Who goes first when the budget is short (`Priority`):

1. the replies to commands, up to `Limits.reply_share` a second (an organizer is never stuck
   behind a thousand circles' posts);
2. the circle's own posts: scheduled and /next deliveries, digests, notices;
3. the rest of the replies;
4. 👍 acknowledgments, never more than `Limits.ack_share` a second, so a post always finds a
   free place (bot/telegram/acks.py keeps them out of the update pipeline altogether).

Within one group, calls go in the order they were asked for, whatever their priority, so
replies never arrive out of step with their commands and a point's parts keep their order.

The per-group limit counts messages only: the 👍 (`setMessageReaction`) and the admin checks
behind each organizer command (`getChatMember`, `getChatAdministrators`) count against the
overall limit alone. A 429 that gets through anyway (another process using the same token) is
waited out by everyone and retried `max_retries` times, like `AIORateLimiter` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Bot API methods that are not messages to the group: no per-group limit. answerCallbackQuery
# carries no chat_id, so it is outside both limits, like every call without a chat_id.
NOT_GROUP_MESSAGES = frozenset(
    {"setMessageReaction", "getChatMember", "getChatAdministrators", "answerCallbackQuery"}
)
# Our clock and Telegram's are not the same clock: keep a millisecond per window spare.
EPSILON = 0.001


class Priority(IntEnum):
    """Pass as `rate_limit_args=` to a Bot method; a call without one is a `REPLY`.
    (Not 0: PTB drops a falsy `rate_limit_args`.)"""

    POST = 1
    REPLY = 2
    ACK = 3


@dataclass(frozen=True)
class Limits:
    overall: int = 30  # calls with a chat_id in any `second`
    group: float = 20  # messages to one group in any `minute`
    second: float = 1.0
    minute: float = 60.0
    reply_share: int = 3  # replies that go before waiting posts, per `second`
    ack_share: int = 10  # acknowledgments at most, per `second`
    max_retries: int = 3

    def faster(self, factor: float) -> Limits:
        """The same limits over windows `factor` times shorter (tests, benchmarks)."""
        return replace(self, second=self.second / factor, minute=self.minute / factor)


class Window:
    """At most `size` places in any `length` seconds; a place is held from `take()` until
    `length` after `give_back()`."""

    def __init__(self, size: float, length: float):
        self.size, self.length = size, length
        self.busy = 0
        self.done: deque[float] = deque()

    def used(self, now: float) -> int:
        while self.done and self.done[0] + self.length + EPSILON <= now:
            self.done.popleft()
        return self.busy + len(self.done)

    def room(self, now: float) -> bool:
        return self.used(now) < self.size

    def free_at(self, now: float) -> float | None:
        """When a place frees by time alone; None if only a call in flight can free one."""
        expire = self.used(now) - int(self.size) + 1
        if expire <= 0:
            return now
        if expire > len(self.done):
            return None
        return self.done[expire - 1] + self.length + EPSILON

    def take(self) -> None:
        self.busy += 1

    def give_back(self, now: float) -> None:
        self.busy -= 1
        self.done.append(now)


@dataclass(eq=False)
class _Waiter:
    seq: int
    priority: Priority
    group: int | str | None
    future: asyncio.Future = field(repr=False)


class PriorityRateLimiter(BaseRateLimiter[Priority]):
    """Strict sliding windows for the overall and per-group limits, shared by priority."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self._overall = Window(self.limits.overall, self.limits.second)
        self._replies = Window(self.limits.reply_share, self.limits.second)
        self._acks = Window(self.limits.ack_share, self.limits.second)
        self._groups: dict[int | str, Window] = {}
        self._waiting: dict[Priority, list[_Waiter]] = {p: [] for p in Priority}
        self._group_queues: dict[int | str, deque[_Waiter]] = {}
        self._seq = 0
        self._paused_until = 0.0
        self._timer: asyncio.TimerHandle | None = None
        # Runs before every request: the store commits its grouped writes (Store.flush), so a
        # 👍 follows its answer's COMMIT (had that failed, the answer is handled again).
        self.before_send: Callable[[], None] = lambda: None
        # Calls let through, and those that had to wait for a place first, by priority.
        self.granted: dict[Priority, int] = dict.fromkeys(Priority, 0)
        self.delayed: dict[Priority, int] = dict.fromkeys(Priority, 0)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    # What tests and /status-like callers may read ----------------------------------------

    def group_used(self, group: int | str) -> int:
        """Places taken in the group's window now."""
        window = self._groups.get(group)
        return window.used(_now()) if window else 0

    def waiting(self, priority: Priority | None = None) -> int:
        return sum(len(w) for p, w in self._waiting.items() if priority in (None, p))

    # The limiter ---------------------------------------------------------------------------

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if chat_id is None:  # getUpdates, getMe, setMyCommands, answerCallbackQuery: no limit
            if endpoint != "getUpdates":  # it tells Telegram nothing the bot wrote
                self.before_send()
            return await callback(*args, **kwargs)
        priority = Priority.REPLY if rate_limit_args is None else Priority(rate_limit_args)
        group = _group(chat_id) if endpoint not in NOT_GROUP_MESSAGES else None
        seq = self._next_seq()
        for attempt in range(self.limits.max_retries + 1):
            await self._admit(seq, priority, group)
            try:
                self.before_send()
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.limits.max_retries:
                    raise
                wait = _seconds(error.retry_after) + 0.1
                log.info("429 from Telegram: everyone waits %.1f s", wait)
                self._paused_until = max(self._paused_until, _now() + wait)
            finally:
                self._release(group)
        raise AssertionError("unreachable")

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def _admit(self, seq: int, priority: Priority, group: int | str | None) -> None:
        waiter = _Waiter(seq, priority, group, asyncio.get_running_loop().create_future())
        _insert(self._waiting[priority], waiter)
        if group is not None:
            queue = self._group_queues.setdefault(group, deque())
            queue.append(waiter)
            if len(queue) > 1 and queue[-2].seq > seq:  # a retry keeps its place
                self._group_queues[group] = deque(sorted(queue, key=lambda w: w.seq))
        self._pump()
        if not waiter.future.done():
            self.delayed[priority] += 1
        try:
            await waiter.future
        except asyncio.CancelledError:
            if not waiter.future.done() or waiter.future.cancelled():
                self._forget(waiter)
            else:  # let through just as it was cancelled: give the place back
                self._release(group)
            self._pump()
            raise

    def _release(self, group: int | str | None) -> None:
        now = _now()
        self._overall.give_back(now)
        if group is not None:
            self._groups[group].give_back(now)
        self._pump()

    def _forget(self, waiter: _Waiter) -> None:
        with contextlib.suppress(ValueError):
            self._waiting[waiter.priority].remove(waiter)
        if waiter.group is not None:
            queue = self._group_queues.get(waiter.group)
            if queue is not None:
                with contextlib.suppress(ValueError):
                    queue.remove(waiter)
                if not queue:
                    del self._group_queues[waiter.group]

    def _pump(self) -> None:
        """Let through whatever the windows allow now, by priority; arm a timer for the rest."""
        now = _now()
        if now < self._paused_until:
            self._wake_at(self._paused_until)
            return
        passes = (
            (Priority.REPLY, self._replies),
            (Priority.POST, None),
            (Priority.REPLY, None),
            (Priority.ACK, self._acks),
        )
        for priority, share in passes:
            waiting = self._waiting[priority]
            index = 0
            while index < len(waiting) and self._overall.room(now):
                if share is not None and not share.room(now):
                    break
                waiter = waiting[index]
                if not self._may_go(waiter, now):
                    index += 1
                    continue
                del waiting[index]
                self._grant(waiter, share)
        if any(self._waiting.values()):
            self._wake_at(self._next_free(now))

    def _may_go(self, waiter: _Waiter, now: float) -> bool:
        if waiter.group is None:
            return True
        queue = self._group_queues[waiter.group]
        if queue[0] is not waiter:
            return False
        window = self._groups.get(waiter.group)
        if window is None:
            window = self._groups[waiter.group] = Window(self.limits.group, self.limits.minute)
        return window.room(now)

    def _grant(self, waiter: _Waiter, share: Window | None) -> None:
        self._overall.take()
        if share is not None:
            share.take()
            share.give_back(_now())  # a share counts when it was used, not how long
        if waiter.group is not None:
            self._groups[waiter.group].take()
            queue = self._group_queues[waiter.group]
            queue.popleft()
            if not queue:
                del self._group_queues[waiter.group]
        self.granted[waiter.priority] += 1
        if not waiter.future.done():
            waiter.future.set_result(None)
        self._prune()

    def _prune(self) -> None:
        """Forget the windows of groups that have nothing in them (memory stays flat)."""
        if len(self._groups) < 1024:
            return
        now = _now()
        for group, window in list(self._groups.items()):
            if window.used(now) == 0 and group not in self._group_queues:
                del self._groups[group]

    def _next_free(self, now: float) -> float | None:
        if not self._overall.room(now):  # nothing goes before the overall window frees
            return self._overall.free_at(now)
        times = [self._replies.free_at(now), self._acks.free_at(now)]
        for group in self._group_queues:
            window = self._groups.get(group)
            if window is not None:
                times.append(window.free_at(now))
        later = [t for t in times if t is not None and t > now]
        return min(later) if later else None

    def _wake_at(self, when: float | None) -> None:
        if when is None:
            return  # a call in flight frees a place when it returns, and pumps then
        loop = asyncio.get_running_loop()
        if self._timer is not None and not self._timer.cancelled():
            if self._timer.when() <= when:
                return
            self._timer.cancel()
        self._timer = loop.call_at(when, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._pump()


def _now() -> float:
    return asyncio.get_running_loop().time()


def _group(chat_id: Any) -> int | str | None:
    """Telegram's group limit applies to groups, supergroups and channels."""
    with contextlib.suppress(ValueError, TypeError):
        chat_id = int(chat_id)
    if isinstance(chat_id, str) or chat_id < 0:
        return chat_id
    return None


def _insert(waiting: list[_Waiter], waiter: _Waiter) -> None:
    """Keep `waiting` in order of `seq` (a retry goes back to its old place)."""
    index = len(waiting)
    while index > 0 and waiting[index - 1].seq > waiter.seq:
        index -= 1
    waiting.insert(index, waiter)


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if total_seconds else float(retry_after)  # type: ignore[arg-type]
