"""The circle's polls in Telegram: record what `poll` and `poll_answer` updates report, and
stop the polls the engine says are no longer current (bot/polls.py)."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot import polls
from bot.reads import Digest
from bot.telegram.context import BotData, CircleContext

log = logging.getLogger(__name__)


async def on_poll(update: Update, context: CircleContext) -> None:
    """A poll's new state: Telegram sends it to the bot that posted the poll (the only way
    to count an anonymous poll)."""
    poll = update.poll
    if poll is None:
        return
    counts = [option.voter_count for option in poll.options]
    polls.record_state(
        context.bot_data.store,
        poll.id,
        counts,
        poll.total_voter_count,
        poll.is_closed,
        context.now(),
    )


async def on_poll_answer(update: Update, context: CircleContext) -> None:
    """A member's vote in a public poll (`[]` when they take it back)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # a vote cast as a chat names no member
    polls.record_vote(
        context.bot_data.store,
        answer.poll_id,
        answer.user.id,
        answer.user.full_name,
        list(answer.option_ids),
        context.now(),
    )


async def stop_stale(app: Application, chat_id: int, digest: Digest | None = None) -> Digest | None:
    """Stop every poll of the circle that is no longer current (its point closed, the circle
    moved elsewhere or ended) and record its final result; returns `digest` with that result.

    A poll Telegram can no longer stop (already closed, message deleted) is marked closed; a
    network fault leaves it open, to be stopped at the next change.
    """
    data: BotData = app.bot_data  # type: ignore[assignment]
    store = data.store
    for live in polls.stale_polls(store, chat_id):
        try:
            stopped = await app.bot.stop_poll(live.chat_id, live.message_id)
        except BadRequest as error:
            log.info("chat=%s poll %s cannot be stopped: %s", chat_id, live.poll_id, error)
            polls.mark_closed(store, live.poll_id, data.now())
            continue
        except TelegramError as error:
            log.warning("chat=%s poll %s not stopped yet: %s", chat_id, live.poll_id, error)
            continue
        counts = [option.voter_count for option in stopped.options]
        polls.record_state(store, live.poll_id, counts, stopped.total_voter_count, True, data.now())
        log.info("chat=%s stopped poll %s", chat_id, live.poll_id)
    if digest is not None and digest.poll is not None:
        fresh = polls.tally(store, digest.poll.poll_id)
        digest = replace(digest, poll=fresh) if fresh else digest
    return digest
