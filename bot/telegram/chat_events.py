"""Changes to the chat itself that the circle must follow."""

from __future__ import annotations

import logging

from telegram import Update

from bot.telegram.context import CircleContext
from bot.telegram.timetable import timetable

log = logging.getLogger(__name__)


async def on_migrate(update: Update, context: CircleContext) -> None:
    """A group became a supergroup: its chat id changes, so the circle moves with it."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return  # the twin service message in the new chat (migrate_from_chat_id) adds nothing
    old, new = message.chat_id, message.migrate_to_chat_id
    if context.circles.migrate_chat(old, new, context.now()):
        log.info("chat=%s migrated to chat=%s", old, new)
        # The jobs were armed for the old chat id: they would find no circle there.
        await timetable(context.application).follow_migration(old, new)
