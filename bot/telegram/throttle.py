"""Per-member throttling of commands (bot/throttle.py decides): runs before every handler."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.telegram.context import CircleContext, reply
from bot.telegram.permissions import is_organizer
from bot.text import members as text
from bot.throttle import IGNORE, WARN


async def throttle(update: Update, context: CircleContext) -> None:
    """Let a command through, or say once that the member goes too fast, then stay silent."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    data = context.bot_data
    verdict = data.throttle.decide(message.chat_id, user.id, context.now())
    if verdict not in (WARN, IGNORE):
        return
    # Organizers steer in bursts (/schedule, /pace, /remind, /status…): never held back. Asked
    # only now, so an ordinary command costs no admin check.
    if await is_organizer(message, context.bot, context.config.organizer_ids):
        data.throttle.forgive(message.chat_id, user.id)
        return
    if verdict == WARN:
        await reply(message, text.too_fast())
    # No other handler runs for it (the update pipeline still marks it handled).
    raise ApplicationHandlerStop
