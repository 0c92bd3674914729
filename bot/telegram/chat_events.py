"""Changes to the chat itself that the circle must follow."""

from __future__ import annotations

import logging

from telegram import Update

from bot.telegram.context import Context, now, service

log = logging.getLogger(__name__)


async def on_migrate(update: Update, context: Context) -> None:
    """A group became a supergroup: its chat id changes, so the circle moves with it."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return  # the twin service message in the new chat (migrate_from_chat_id) adds nothing
    moved = service(context).migrate_chat(message.chat_id, message.migrate_to_chat_id, now(context))
    if moved:
        log.info("chat=%s migrated to chat=%s", message.chat_id, message.migrate_to_chat_id)
