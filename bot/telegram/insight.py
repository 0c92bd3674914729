"""/stats and /search: for organizers, answered in their private chat only (they name members
and quote their answers), never in the group."""

from __future__ import annotations

import asyncio
import logging
from html import escape

from telegram import Update
from telegram.error import Forbidden

from bot.model import Refusal
from bot.search import search as search_answers
from bot.stats import circle_stats
from bot.stats_chart import chart_png
from bot.telegram.console import organizers_only
from bot.telegram.context import CircleContext, ask_for_private_chat, reply
from bot.telegram.language import private_language
from bot.text import insight as text
from bot.text import speaking

log = logging.getLogger(__name__)


async def send_stats(context: CircleContext, user_id: int, chat_id: int) -> Refusal | bool:
    """The run's statistics and chart to `user_id` privately: sent, why there are none, or
    False when the user has no private chat with the bot."""
    data = context.bot_data
    result = circle_stats(data.store, data.exchanges, chat_id)
    if isinstance(result, Refusal):
        return result
    # Private messages: in the organizer's own language when the bot has it, else the circle's.
    with speaking(private_language(data, user_id, chat_id)):
        # Drawing takes a moment (and the first import of matplotlib longer): off the event
        # loop; to_thread copies the context, the language included.
        png = await asyncio.to_thread(chart_png, result)
        report, caption = escape(text.stats_report(result)), text.stats_caption()
    try:
        await context.bot.send_message(user_id, report)
        await context.bot.send_photo(user_id, photo=png, caption=caption)
    except Forbidden:
        return False
    log.info("chat=%s user=%s got the stats", chat_id, user_id)
    return True


@organizers_only
async def stats(update: Update, context: CircleContext) -> None:
    """The run's statistics and a chart, sent to the organizer privately."""
    target = context.target
    if target.user_id is None:
        await reply(target.message, text.anonymous("stats"))
        return
    sent = await send_stats(context, target.user_id, target.chat_id)
    if isinstance(sent, Refusal):
        await target.reply(escape(sent.message))
    elif not sent:
        await ask_for_private_chat(target.message, context, "stats", target.chat_id)
    else:
        await target.acknowledge()


@organizers_only
async def search(update: Update, context: CircleContext) -> None:
    """Full-text search over the circle's answers; the hits go to the organizer privately."""
    target = context.target
    if target.user_id is None:
        await reply(target.message, text.anonymous("search"))
        return
    words = " ".join(context.args or [])
    if not words.strip():
        await target.reply(text.search_usage())
        return
    hits = search_answers(context.bot_data.store, target.chat_id, words)
    if isinstance(hits, Refusal):
        await target.reply(escape(hits.message))
        return
    with speaking(target.private_language):  # the hits go privately
        found = text.hits_html(hits, words)
    try:
        await context.bot.send_message(target.user_id, found)
    except Forbidden:
        await ask_for_private_chat(target.message, context, "search", target.chat_id)
        return
    await target.acknowledge()
