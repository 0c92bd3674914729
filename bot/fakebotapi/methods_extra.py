"""Bot API methods for files, polls, reactions, chat actions and pins."""

from __future__ import annotations

import copy
from typing import Any

from . import shapes
from .methods import MAX_CAPTION, existing, formatted, inline_markup, send, set_optional, target
from .params import Upload
from .state import APIError, State

JSON = dict[str, Any]


def _file_sender(kind: str):
    def send_file(state: State, p: JSON) -> JSON:
        target(state, p.get("chat_id"))
        source = p.get(kind)
        if source is None or source == "":
            raise APIError(400, f"Bad Request: there is no {kind} in the request")
        name = source.filename if isinstance(source, Upload) else str(source).rsplit("/", 1)[-1]
        size = len(source.data) if isinstance(source, Upload) else 1024
        fields: JSON = {kind: shapes.media(kind, f"{name}:{state.next_id('f')}", name, size)}
        if isinstance(source, Upload) and kind == "document":
            fields[kind]["mime_type"] = source.content_type
        _keep_bytes(state, source, fields[kind])
        caption, entities = formatted(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        if shapes.utf16_len(caption) > MAX_CAPTION:
            raise APIError(400, "Bad Request: message caption is too long")
        if caption:
            fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
        return send(state, p, fields)

    return send_file


def _keep_bytes(state: State, source: Any, media: Any) -> None:
    """Remember an upload's bytes under every file_id of ``media`` (a re-send by file_id
    shares the original's bytes), so that the rehearsal page can show or download it."""
    ids = [m["file_id"] for m in (media if isinstance(media, list) else [media])]
    if isinstance(source, Upload):
        stored = (source.filename, source.content_type, source.data)
    else:
        stored = state.files.get(str(source))
    if stored is not None:
        for file_id in ids:
            state.files[file_id] = stored


def send_poll(state: State, p: JSON) -> JSON:
    target(state, p.get("chat_id"))
    question = str(p.get("question") or "")
    if not question.strip():
        raise APIError(400, "Bad Request: poll question must be non-empty")
    options = [o.get("text", "") if isinstance(o, dict) else str(o) for o in p.get("options") or []]
    if len(options) < 2:
        raise APIError(400, "Bad Request: poll must have at least 2 option")
    if len(options) > 12:
        raise APIError(400, "Bad Request: poll can't have more than 12 options")
    poll_id = str(5_000_000_000_000_000_000 + int(state.next_id("")))
    poll = shapes.poll(
        poll_id,
        question,
        options,
        is_anonymous=p.get("is_anonymous", True),
        poll_type=p.get("type") or "regular",
        allows_multiple_answers=p.get("allows_multiple_answers", False),
    )
    msg = send(state, p, {"poll": poll})
    state.polls[poll_id] = {
        "chat_id": msg["chat"]["id"],
        "message_id": msg["message_id"],
        "votes": {},
    }
    return msg


def stop_poll(state: State, p: JSON) -> JSON:
    _, msg = existing(state, p, "message with poll to stop not found")
    if "poll" not in msg:
        raise APIError(400, "Bad Request: message with poll to stop not found")
    if msg["poll"]["is_closed"]:
        raise APIError(400, "Bad Request: poll has already been closed")
    msg["poll"]["is_closed"] = True
    set_optional(msg, "reply_markup", inline_markup(p))
    return copy.deepcopy(msg["poll"])


def set_message_reaction(state: State, p: JSON) -> bool:
    info, msg = existing(state, p, "message to react not found")
    reaction = p.get("reaction") or []
    for item in reaction:
        if item.get("type") not in ("emoji", "custom_emoji", "paid"):
            raise APIError(400, "Bad Request: REACTION_INVALID")
    state.reactions[(info.chat["id"], msg["message_id"])] = list(reaction)
    return True


def send_chat_action(state: State, p: JSON) -> bool:
    target(state, p.get("chat_id"))
    if not p.get("action"):
        raise APIError(400, "Bad Request: wrong parameter action in request")
    return True


def pin_chat_message(state: State, p: JSON) -> bool:
    info, msg = existing(state, p, "message to pin not found")
    info.pinned.append(msg["message_id"])
    return True


def unpin_chat_message(state: State, p: JSON) -> bool:
    info = target(state, p.get("chat_id"))
    message_id = p.get("message_id") or (info.pinned[-1] if info.pinned else None)
    if message_id in info.pinned:
        info.pinned.remove(message_id)
    return True


METHODS = {
    "sendDocument": _file_sender("document"),
    "sendPhoto": _file_sender("photo"),
    "sendVoice": _file_sender("voice"),
    "sendAudio": _file_sender("audio"),
    "sendVideo": _file_sender("video"),
    "sendPoll": send_poll,
    "stopPoll": stop_poll,
    "setMessageReaction": set_message_reaction,
    "sendChatAction": send_chat_action,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": unpin_chat_message,
}
