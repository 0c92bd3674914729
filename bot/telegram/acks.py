"""The acknowledgment queue: the 👍 on each answer, sent in the background at lowest priority.

An answer is stored before anything goes to Telegram (bot/telegram/answers.py); its 👍 is then
only noted here and the update handler returns at once. A few sender tasks (started when there
is something to send, gone when there is not) send the notes oldest first through the rate
limiter at `Priority.ACK`: after the circle's posts and the replies to commands, and never more
than `Limits.ack_share` a second (bot/telegram/ratelimit.py), so acknowledgments can neither
hold up the update pipeline nor starve a scheduled post.

Under load the queue sheds acknowledgments instead of falling behind (`AckPolicy`):

- the same message noted twice (a duplicate update) is one acknowledgment;
- at most `limit` wait; a new one pushes out the oldest, which is dropped;
- one that waited longer than `max_age` is dropped rather than sent late.

A member whose acknowledgment was dropped sees no 👍 on that answer; the answer is stored all
the same, counts in /status and /mine and is quoted in the point's digest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from telegram import Bot, ReactionTypeEmoji
from telegram.error import TelegramError

from bot.telegram.ratelimit import Priority

log = logging.getLogger(__name__)

ACK_REACTION = "👍"


@dataclass(frozen=True)
class AckPolicy:
    limit: int = 200  # acknowledgments waiting at most; a new one drops the oldest
    max_age: float = 60.0  # seconds an acknowledgment may wait before it is dropped
    senders: int = 4  # reactions in flight at once


class AckQueue:
    """Acknowledgments waiting to be sent; `acknowledge` never blocks and never raises."""

    def __init__(self, bot: Bot, policy: AckPolicy | None = None):
        self.bot = bot
        self.policy = policy or AckPolicy()
        self._pending: OrderedDict[tuple[int, int], float] = OrderedDict()
        self._senders: set[asyncio.Task] = set()
        self._in_flight = 0
        self.sent = self.dropped = self.failed = 0

    def acknowledge(self, chat_id: int, message_id: int) -> None:
        key = (chat_id, message_id)
        if key in self._pending:
            return  # coalesced with the one already waiting
        if len(self._pending) >= self.policy.limit:
            self._pending.popitem(last=False)
            self.dropped += 1
        self._pending[key] = time.monotonic()
        if len(self._senders) < self.policy.senders:
            task = asyncio.get_running_loop().create_task(self._send_all(), name="acks")
            self._senders.add(task)
            task.add_done_callback(self._senders.discard)

    @property
    def waiting(self) -> int:
        return len(self._pending)

    @property
    def idle(self) -> bool:
        return not self._pending and not self._in_flight

    async def close(self) -> None:
        """Drop what still waits and stop the senders (the application is stopping)."""
        self.dropped += len(self._pending)
        self._pending.clear()
        for task in list(self._senders):
            task.cancel()
        await asyncio.gather(*self._senders, return_exceptions=True)

    async def _send_all(self) -> None:
        while self._pending:
            (chat_id, message_id), noted = self._pending.popitem(last=False)
            if time.monotonic() - noted > self.policy.max_age:
                self.dropped += 1
                continue
            self._in_flight += 1
            try:
                await self.bot.set_message_reaction(
                    chat_id,
                    message_id,
                    ReactionTypeEmoji(ACK_REACTION),
                    rate_limit_args=Priority.ACK,
                )
                self.sent += 1
            except TelegramError as error:
                self.failed += 1
                log.info("chat=%s no reaction possible: %s", chat_id, error)
            finally:
                self._in_flight -= 1
