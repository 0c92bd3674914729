"""Send a point's messages to Telegram through the engine's posting protocol.

The engine decides what is due (docs/posting-protocol.md); this module turns each pending
message into one Bot API call and maps every Telegram fault to "sent", "not sent" or "unknown".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.circle import CircleService, PendingPost

log = logging.getLogger(__name__)

# After a network fault the outcome of a send is unknown; try again after this long.
NETWORK_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class PostResult:
    chat_id: int  # may differ from the requested one after a group became a supergroup
    posted: int
    retry_after: float | None = None  # set when sending should be tried again later
    error: str | None = None  # Telegram refused for good; words for the organizer


async def post_pending(
    bot: Bot,
    service: CircleService,
    clock: Callable[[], datetime],
    chat_id: int,
    *,
    parts: Set[str] | None = None,
    cursor: int | None = None,
) -> PostResult:
    """Send every message of the current point that is not yet confirmed, in order.

    `parts` (paced sessions, docs/scheduling.md) stops at the first message whose part is not
    in it: the rest goes out later, still in order. `cursor` stops when the posting slot is not
    that one (a /skip, /goto or /restart moved on since the post was asked for).
    """
    posted = 0
    while (pending := service.next_post(chat_id)) is not None:
        if parts is not None and pending.outgoing.part not in parts:
            break
        if cursor is not None and pending.cursor != cursor:
            break
        circle = service.circle(chat_id)
        if circle is None or not service.begin_post(
            chat_id, pending.key, clock(), cursor=pending.cursor
        ):
            break
        if pending.uncertain:
            log.warning(
                "chat=%s key=%s resending: earlier attempt's outcome unknown", chat_id, pending.key
            )
        try:
            message = await _send(bot, chat_id, circle.thread_id, pending)
        except RetryAfter as error:
            # A 429 means Telegram did not take the message: nothing to doubt, try again later.
            service.abandon_post(chat_id, pending.key, cursor=pending.cursor)
            return PostResult(chat_id, posted, retry_after=_seconds(error.retry_after))
        except ChatMigrated as error:
            service.abandon_post(chat_id, pending.key, cursor=pending.cursor)
            service.migrate_chat(chat_id, error.new_chat_id, clock())
            log.info("chat=%s migrated to chat=%s", chat_id, error.new_chat_id)
            chat_id = error.new_chat_id
            continue
        except (Forbidden, BadRequest) as error:
            service.abandon_post(chat_id, pending.key, cursor=pending.cursor)
            log.error("chat=%s key=%s refused by Telegram: %s", chat_id, pending.key, error)
            return PostResult(chat_id, posted, error=f"Telegram refused the message: {error}")
        except NetworkError as error:
            # Timed out or connection lost: the message may or may not have arrived. The
            # 'sending' row stays, so the next attempt resends it (at-least-once).
            log.warning("chat=%s key=%s send outcome unknown: %s", chat_id, pending.key, error)
            return PostResult(chat_id, posted, retry_after=NETWORK_RETRY_SECONDS)
        poll_id = message.poll.id if message.poll else None
        service.record_post(
            chat_id,
            pending.key,
            message.message_id,
            clock(),
            cursor=pending.cursor,
            poll_id=poll_id,
        )
        log.info("chat=%s posted key=%s message=%s", chat_id, pending.key, message.message_id)
        posted += 1
    return PostResult(chat_id, posted)


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if total_seconds else float(retry_after)  # type: ignore[arg-type]


async def _send(bot: Bot, chat_id: int, thread_id: int | None, pending: PendingPost) -> Message:
    outgoing = pending.outgoing
    if outgoing.poll is not None:
        return await bot.send_poll(
            chat_id,
            outgoing.poll.question,
            list(outgoing.poll.options),
            is_anonymous=False,
            message_thread_id=thread_id,
        )
    return await bot.send_message(
        chat_id,
        outgoing.html,
        parse_mode=ParseMode.HTML,
        message_thread_id=thread_id,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
