"""What the Telegram layer does with the engine's plain values, without Telegram: walk a
`Delivery` through the posting protocol (as bot/telegram/posting.py `deliver` does), open a
/next session and post it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

from bot.exchange import Exchange
from bot.model import Refusal
from bot.posting import Delivery, begin_post, record_post
from bot.sessions import SessionPlan, open_session
from bot.store import Store

GRACE = timedelta(minutes=30)


def walk(
    store: Store,
    delivery: Delivery | None,
    now: datetime,
    message_ids: Iterator[int],
    poll_ids: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Send every message of the delivery in order, as `deliver` does: begin the first, then
    confirm each one beginning the next in the same transaction. Returns key -> message id."""
    sent: dict[str, int] = {}
    if delivery is None or not delivery.messages:
        return sent
    outgoing = delivery.messages[0]
    if not begin_post(store, delivery, outgoing, now):
        return sent
    while outgoing is not None:
        following = delivery.after(outgoing)
        message_id = next(message_ids)
        go_on = record_post(
            store,
            delivery,
            outgoing,
            message_id,
            now,
            poll_id=(poll_ids or {}).get(outgoing.key),
            begin_next=following,
        )
        sent[outgoing.key] = message_id
        outgoing = following if go_on else None
    return sent


def next_session(
    store: Store,
    exchanges: Mapping[str, Exchange],
    chat_id: int,
    now: datetime,
    message_ids: Iterator[int],
    grace: timedelta = GRACE,
) -> tuple[SessionPlan, dict[str, int]]:
    """The bot's /next: open the session, then post what it delivers."""
    plan = open_session(store, exchanges, chat_id, now, grace)
    assert not isinstance(plan, Refusal), plan
    return plan, walk(store, plan.delivery, now, message_ids)
