"""Members' replies to the circle's messages become answers; edits update them."""

from __future__ import annotations

import logging

from telegram import Message, ReactionTypeEmoji, Update
from telegram.error import TelegramError

from bot import answers
from bot.telegram.context import CircleContext, display_name

log = logging.getLogger(__name__)

ACK_REACTION = "👍"
MEDIA_KINDS = ("voice", "video_note", "video", "audio", "photo", "document", "sticker", "poll")


def media_kind(message: Message) -> str | None:
    return next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), None)


def message_text(message: Message) -> str | None:
    return message.text or message.caption


async def on_reply(update: Update, context: CircleContext) -> None:
    """A reply in the group: keep it if it answers one of the circle's messages."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or message.from_user is None:
        return
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    result = answers.record_answer(
        context.bot_data.store,
        message.chat_id,
        message.message_id,
        message.from_user.id,
        display_name(message),
        replied.message_id,
        context.now(),
        text=message_text(message),
        media_kind=media_kind(message),
        # Telegram's time of writing: an answer read after downtime keeps its own time.
        written_at=message.date,
        replied_text=replied.poll.question if replied.poll else message_text(replied),
        exchanges=context.bot_data.exchanges,
    )
    if result is None or result.duplicate:
        return
    log.info(
        "chat=%s answer to point %s from user=%s",
        message.chat_id,
        result.point_number,
        message.from_user.id,
    )
    try:
        # A reaction acknowledges quietly; a message per answer would flood the group.
        await message.set_reaction(ReactionTypeEmoji(ACK_REACTION))
    except TelegramError as error:
        log.info("chat=%s no reaction possible: %s", message.chat_id, error)


async def on_edit(update: Update, context: CircleContext) -> None:
    """An edited message: if it is an answer, its stored text follows the edit."""
    message = update.edited_message
    if message is None:
        return
    edited = answers.record_edit(
        context.bot_data.store,
        message.chat_id,
        message.message_id,
        context.now(),
        text=message_text(message),
        media_kind=media_kind(message),
    )
    if edited is not None:
        log.info("chat=%s answer %s edited", message.chat_id, message.message_id)
