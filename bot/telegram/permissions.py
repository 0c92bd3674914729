"""Who may steer a circle: the chat's administrators, anonymous admins, configured organizers."""

from __future__ import annotations

import logging
from collections.abc import Set

from telegram import Bot, ChatMember, Message
from telegram.error import TelegramError

log = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def is_organizer(message: Message, bot: Bot, organizer_ids: Set[int]) -> bool:
    """True for admins of this chat, anonymous admins, and ids named in the config."""
    chat = message.chat
    # An anonymous administrator posts "as the group": Telegram sets sender_chat to the group
    # itself and from_user to the GroupAnonymousBot placeholder. Only admins can do that.
    if message.sender_chat and message.sender_chat.id == chat.id:
        return True
    user = message.from_user
    if user is None:
        return False
    if user.id in organizer_ids:
        return True
    if chat.type == chat.PRIVATE:
        return False
    try:
        member = await bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        # Refusing is the safe side: an organizer can retry, a stranger must never get through.
        log.warning("chat=%s admin check failed for user=%s: %s", chat.id, user.id, error)
        return False
    return member.status in ADMIN_STATUSES


async def organizes(bot: Bot, chat_id: int, user_id: int, organizer_ids: Set[int]) -> bool:
    """Is the user an organizer of that group (asked from anywhere, e.g. a private chat)?"""
    if user_id in organizer_ids:
        return True
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as error:
        log.info("chat=%s admin check failed for user=%s: %s", chat_id, user_id, error)
        return False
    return member.status in ADMIN_STATUSES


async def administrators(bot: Bot, chat_id: int) -> set[int]:
    """The chat's administrators (empty when Telegram will not say)."""
    try:
        return {member.user.id for member in await bot.get_chat_administrators(chat_id)}
    except TelegramError as error:
        log.info("chat=%s administrators unknown: %s", chat_id, error)
        return set()
