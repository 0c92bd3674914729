"""Members' replies to the circle's messages become answers; edits update them."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot import answers
from bot.telegram.context import CircleContext, display_name
from bot.telegram.message_filters import replies_to_bot

log = logging.getLogger(__name__)
MEDIA_KINDS = ("voice", "video_note", "video", "audio", "photo", "document", "sticker", "poll")


def media_kind(message: Message) -> str | None:
    if message.text is not None:
        return None  # a message has text or media, never both (media has a caption)
    return next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), None)


def message_text(message: Message) -> str | None:
    return message.text or message.caption


async def on_reply(update: Update, context: CircleContext) -> None:
    """A reply in the group: keep it if it answers one of the circle's messages.

    The answer is stored first; its 👍 only goes into the acknowledgment queue
    (bot/telegram/acks.py), so this handler never waits for Telegram.
    """
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or message.from_user is None:
        return
    if not replies_to_bot(message, context.bot.id):
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
    if result is None:
        if message.sender_chat is None and not message.from_user.is_bot:
            note_speaker(message, context)
        return
    if result.duplicate:
        return
    log.info(
        "chat=%s answer to point %s from user=%s",
        message.chat_id,
        result.point_number,
        message.from_user.id,
    )
    # A reaction acknowledges quietly; a message per answer would flood the group.
    context.bot_data.acks.acknowledge(message.chat_id, message.message_id)


def note_speaker(message: Message, context: CircleContext) -> None:
    """A member who spoke (so /status can name who has not answered yet)."""
    user = message.from_user
    answers.see_member(
        context.bot_data.store, message.chat_id, user.id, user.full_name, context.now()
    )


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
