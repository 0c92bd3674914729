"""The filters every group message meets, each one check instead of a chain of `&`.

Most updates are answers, and each filter of a chain such as
`filters.UpdateType.MESSAGE & filters.ChatType.GROUPS & filters.REPLY & ~filters.COMMAND` is
a call of its own for every update that reaches the handler; these say the same in one.
"""

from __future__ import annotations

from telegram import Chat, Message, MessageEntity, Update
from telegram.ext import filters

GROUP_TYPES = (Chat.GROUP, Chat.SUPERGROUP)


def is_command(message: Message) -> bool:
    """As `filters.COMMAND`: the text starts with a /command."""
    entities = message.entities
    return (
        bool(entities) and entities[0].type == MessageEntity.BOT_COMMAND and not entities[0].offset
    )


def replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def answered(message: Message, bot_id: int) -> bool:
    """This message goes to `on_reply`, which notes its sender with the answer itself."""
    return replies_to_bot(message, bot_id) and not is_command(message)


class _GroupReply(filters.UpdateFilter):
    """A new group message that replies to another and is no command: maybe an answer."""

    def filter(self, update: Update) -> bool:
        message = update.message
        return (
            message is not None
            and message.reply_to_message is not None
            and message.chat.type in GROUP_TYPES
            and not is_command(message)
        )


class _GroupSpeaker(filters.UpdateFilter):
    """A new group message that is no answer (an answer notes its member itself)."""

    def filter(self, update: Update) -> bool:
        message = update.message
        return (
            message is not None
            and message.chat.type in GROUP_TYPES
            and not answered(message, update.get_bot().id)
        )


class _NewCommand(filters.UpdateFilter):
    """A new message (not an edit) that is a /command, anywhere."""

    def filter(self, update: Update) -> bool:
        message = update.message
        return message is not None and is_command(message)


GROUP_REPLY = _GroupReply(name="GROUP_REPLY")
GROUP_SPEAKER = _GroupSpeaker(name="GROUP_SPEAKER")
NEW_COMMAND = _NewCommand(name="NEW_COMMAND")
