"""Builders for Telegram's JSON object shapes (User, Chat, ChatMember, media, Poll ...).

Every function returns a plain ``dict`` exactly as Telegram would serialise it, so that
python-telegram-bot's ``de_json`` accepts it.  Only fields that Telegram actually sends are
included (optional fields are omitted rather than set to ``None``).
"""

from __future__ import annotations

import hashlib
from typing import Any

JSON = dict[str, Any]

GROUP_ANONYMOUS_BOT_ID = 1087968824
GROUP_ANONYMOUS_BOT: JSON = {
    "id": GROUP_ANONYMOUS_BOT_ID,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

MEDIA_KINDS = ("voice", "photo", "document", "video", "video_note", "audio", "sticker")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of MessageEntity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def user(user_id: int, first_name: str, username: str | None = None, **extra: Any) -> JSON:
    data: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        data["username"] = username
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def bot_user(bot_id: int, first_name: str, username: str) -> JSON:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def private_chat(u: JSON) -> JSON:
    chat: JSON = {"id": u["id"], "type": "private", "first_name": u["first_name"]}
    for key in ("last_name", "username"):
        if u.get(key):
            chat[key] = u[key]
    return chat


def group_chat(
    chat_id: int, title: str, chat_type: str = "supergroup", forum: bool = False
) -> JSON:
    chat: JSON = {"id": chat_id, "type": chat_type, "title": title}
    if forum:
        chat["is_forum"] = True
    return chat


def chat_full_info(chat: JSON) -> JSON:
    """``getChat`` result (ChatFullInfo): the compact chat plus the fields PTB requires."""
    full = dict(chat)
    full.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return full


ADMIN_RIGHTS: JSON = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}


def chat_member(u: JSON, status: str, forum: bool = False) -> JSON:
    """A ChatMember of the given status with every field PTB's subclass requires."""
    data: JSON = {"user": u, "status": status}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(ADMIN_RIGHTS)
        if forum:
            data["can_manage_topics"] = True
    elif status == "kicked":
        data["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unsupported member status {status!r}")
    return data


def file_ids(seed: str) -> tuple[str, str]:
    digest = hashlib.sha1(seed.encode()).hexdigest()
    return f"FILE{digest[:24]}", f"U{digest[24:36]}"


def media(kind: str, seed: str, file_name: str | None = None, size: int = 1024) -> Any:
    """A media attachment of ``kind`` (value for the Message key of the same name)."""
    fid, fuid = file_ids(seed)
    base: JSON = {"file_id": fid, "file_unique_id": fuid, "file_size": size}
    if kind == "voice":
        return {**base, "duration": 3, "mime_type": "audio/ogg"}
    if kind == "audio":
        return {**base, "duration": 60, "mime_type": "audio/mpeg"}
    if kind == "photo":
        small = {**base, "file_id": fid + "s", "width": 90, "height": 90, "file_size": size // 8}
        return [small, {**base, "width": 800, "height": 600}]
    if kind == "document":
        return {**base, "file_name": file_name or "file.pdf", "mime_type": "application/pdf"}
    if kind == "video":
        return {**base, "width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"}
    if kind == "video_note":
        return {**base, "length": 240, "duration": 5}
    if kind == "sticker":
        return {
            **base,
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": "👍",
        }
    raise ValueError(f"unknown media kind {kind!r}; expected one of {MEDIA_KINDS}")


def poll(
    poll_id: str,
    question: str,
    options: list[str],
    is_anonymous: bool = True,
    poll_type: str = "regular",
    allows_multiple_answers: bool = False,
) -> JSON:
    return {
        "id": poll_id,
        "question": question,
        "options": [
            {"text": text, "voter_count": 0, "persistent_id": str(i)}
            for i, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": is_anonymous,
        "type": poll_type,
        "allows_multiple_answers": allows_multiple_answers,
        "allows_revoting": True,
        "members_only": False,
    }


def command_entities(text: str) -> list[JSON]:
    """A ``bot_command`` entity when ``text`` starts with ``/command[@botname]``."""
    if not text.startswith("/"):
        return []
    token = text.split(maxsplit=1)[0] if text.strip() else ""
    name, _, mention = token[1:].partition("@")
    valid = (
        name and len(name) <= 32 and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    )
    if not valid or (mention and not all(c.isalnum() or c == "_" for c in mention)):
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(token)}]


def strip_reply(message: JSON) -> JSON:
    """A stored message as embedded in ``reply_to_message`` (Telegram does not nest replies)."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}
