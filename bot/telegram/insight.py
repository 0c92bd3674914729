"""/stats and /search: for organizers, answered in their private chat only (they name members
and quote their answers), never in the group."""

from __future__ import annotations

import asyncio
import logging
from html import escape

from telegram import Message, Update
from telegram.error import Forbidden

from bot.model import Refusal
from bot.search import search as search_answers
from bot.stats import circle_stats
from bot.stats_chart import chart_png
from bot.telegram.context import CircleContext, ask_for_private_chat, organizers_only, reply
from bot.text import insight as text

log = logging.getLogger(__name__)


async def _private_user(message: Message, command: str) -> int | None:
    """The organizer's user id to write to; None (and said so) for an anonymous admin."""
    if message.sender_chat is not None or message.from_user is None:
        await reply(message, text.anonymous(command))
        return None
    return message.from_user.id


@organizers_only
async def stats(update: Update, context: CircleContext) -> None:
    """The run's statistics and a chart, sent to the organizer privately."""
    message = update.effective_message
    user_id = await _private_user(message, "stats")
    if user_id is None:
        return
    data = context.bot_data
    result = circle_stats(data.store, data.exchanges, message.chat_id)
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    # Drawing takes a moment (and the first import of matplotlib longer): off the event loop.
    png = await asyncio.to_thread(chart_png, result)
    try:
        await context.bot.send_message(user_id, escape(text.stats_report(result)))
        await context.bot.send_photo(user_id, photo=png, caption=text.stats_caption())
    except Forbidden:
        await ask_for_private_chat(message, context, "stats")
        return
    log.info("chat=%s user=%s got the stats", message.chat_id, user_id)
    await reply(message, text.stats_sent())


@organizers_only
async def search(update: Update, context: CircleContext) -> None:
    """Full-text search over the circle's answers; the hits go to the organizer privately."""
    message = update.effective_message
    user_id = await _private_user(message, "search")
    if user_id is None:
        return
    words = " ".join(context.args or [])
    if not words.strip():
        await reply(message, text.search_usage())
        return
    hits = search_answers(context.bot_data.store, message.chat_id, words)
    if isinstance(hits, Refusal):
        await reply(message, escape(hits.message))
        return
    try:
        await context.bot.send_message(user_id, text.hits_html(hits, words))
    except Forbidden:
        await ask_for_private_chat(message, context, "search")
        return
    await reply(message, text.search_sent())
