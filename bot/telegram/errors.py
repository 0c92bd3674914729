"""The one error handler: log with context, tell the user something short."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.text import members as text

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    receiver = getattr(context.bot_data, "receiver", None)
    if receiver is not None and context.error and receiver.note_failure(update, context.error):
        return  # a storage fault: said once in the log and to organizers, never per update
    chat_id = (
        update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    )
    log.error("chat=%s unhandled error", chat_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(text.sorry())
        except Exception:  # the error handler itself must never raise
            log.exception("chat=%s could not report the error", chat_id)
