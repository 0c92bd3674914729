"""Send a `Delivery` (the messages the engine decided are due) through the posting protocol.

The engine decides what goes out (docs/posting-protocol.md); this module turns each message
into one Bot API call and maps every Telegram fault to "sent", "not sent" or "unknown".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.circles import Circles
from bot.posting import Delivery, abandon_post, begin_post, record_post
from bot.render import Outgoing
from bot.telegram.nudges import nudge_button
from bot.telegram.ratelimit import Priority
from bot.text import organizer as organizer_text

log = logging.getLogger(__name__)

# After a network fault the outcome of a send is unknown; try again after this long.
NETWORK_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class PostResult:
    chat_id: int  # may differ from the requested one after a group became a supergroup
    posted: int
    retry_after: float | None = None  # set when sending should be tried again later
    error: str | None = None  # Telegram refused for good; words for the organizer


async def deliver(
    bot: Bot, circles: Circles, clock: Callable[[], datetime], plan: Delivery
) -> PostResult:
    """Send the delivery's messages in order; stop at a fault or when the visit moved on."""
    store = circles.store
    posted = 0
    if not plan.messages or not begin_post(store, plan, plan.messages[0], clock()):
        return PostResult(plan.chat_id, 0)
    outgoing: Outgoing | None = plan.messages[0]
    while outgoing is not None:
        if outgoing.key in plan.uncertain:
            log.warning(
                "chat=%s key=%s resending: earlier attempt's outcome unknown",
                plan.chat_id,
                outgoing.key,
            )
        try:
            message = await _send(bot, plan, outgoing)
        except RetryAfter as error:
            # A 429 means Telegram did not take the message: nothing to doubt, try again later.
            abandon_post(store, plan, outgoing)
            return PostResult(plan.chat_id, posted, retry_after=_seconds(error.retry_after))
        except ChatMigrated as error:
            circles.migrate_chat(plan.chat_id, error.new_chat_id, clock())
            log.info("chat=%s migrated to chat=%s", plan.chat_id, error.new_chat_id)
            plan = replace(plan, chat_id=error.new_chat_id)
            continue  # the same message, to the new chat; its 'sending' row stays
        except (Forbidden, BadRequest) as error:
            abandon_post(store, plan, outgoing)
            log.error("chat=%s key=%s refused by Telegram: %s", plan.chat_id, outgoing.key, error)
            return PostResult(plan.chat_id, posted, error=organizer_text.refused(str(error)))
        except NetworkError as error:
            # Timed out or connection lost: the message may or may not have arrived. The
            # 'sending' row stays, so the next attempt resends it (at-least-once).
            log.warning("chat=%s key=%s outcome unknown: %s", plan.chat_id, outgoing.key, error)
            return PostResult(plan.chat_id, posted, retry_after=NETWORK_RETRY_SECONDS)
        following = plan.after(outgoing)
        go_on = record_post(
            store,
            plan,
            outgoing,
            message.message_id,
            clock(),
            chat_id=plan.chat_id,
            poll_id=message.poll.id if message.poll else None,
            begin_next=following,
        )
        log.info("chat=%s posted key=%s message=%s", plan.chat_id, outgoing.key, message.message_id)
        posted += 1
        outgoing = following if go_on else None
    return PostResult(plan.chat_id, posted)


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if total_seconds else float(retry_after)  # type: ignore[arg-type]


async def _send(bot: Bot, plan: Delivery, outgoing: Outgoing) -> Message:
    if outgoing.poll is not None:
        # Anonymous unless the exchange asks for a public poll: a member's vote on June 4th
        # or Hong Kong is nobody else's business.
        return await bot.send_poll(
            plan.chat_id,
            outgoing.poll.question,
            list(outgoing.poll.options),
            is_anonymous=not outgoing.poll.public,
            message_thread_id=plan.thread_id,
            question_parse_mode=None,
            rate_limit_args=Priority.POST,
        )
    # The prompt carries the button that opts a member in to a private reminder.
    markup = nudge_button() if outgoing.key == "prompt" else None
    return await bot.send_message(
        plan.chat_id,
        outgoing.html,
        message_thread_id=plan.thread_id,
        reply_markup=markup,
        rate_limit_args=Priority.POST,
    )
