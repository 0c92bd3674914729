"""Bot API methods that create or change messages.

Each method is ``fn(state, params) -> result`` and is called with the state lock held; it
raises :class:`~.state.APIError` with Telegram's exact error shape on failure.
"""

from __future__ import annotations

import copy
from typing import Any

from . import shapes
from .formatting import ParseError, parse_html
from .state import APIError, ChatInfo, State

JSON = dict[str, Any]
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
MAX_TEXT = 4096
MAX_CAPTION = 1024


def lookup(state: State, chat_id: Any) -> ChatInfo:
    """Resolve ``chat_id`` or raise the migration / chat-not-found errors."""
    if chat_id is None or chat_id == "":
        raise APIError(400, "Bad Request: chat_id is empty")
    if chat_id in state.migrated:
        raise APIError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": state.migrated[chat_id]},
        )
    info = state.chat_info(chat_id)
    if info is None:
        if chat_id in state.users:
            raise APIError(403, "Forbidden: bot can't initiate conversation with a user")
        raise APIError(400, "Bad Request: chat not found")
    return info


def target(state: State, chat_id: Any) -> ChatInfo:
    """Resolve a chat the bot wants to write to, enforcing blocks/kicks/never-started."""
    info = lookup(state, chat_id)
    kind = info.chat["type"]
    if kind == "private":
        if info.chat["id"] in state.blocked:
            raise APIError(403, "Forbidden: bot was blocked by the user")
        if info.chat["id"] not in state.started_private:
            raise APIError(403, "Forbidden: bot can't initiate conversation with a user")
    elif info.bot_status == "kicked":
        raise APIError(403, f"Forbidden: bot was kicked from the {kind} chat")
    elif info.bot_status == "left":
        raise APIError(403, f"Forbidden: bot is not a member of the {kind} chat")
    return info


def existing(state: State, p: JSON, not_found: str) -> tuple[ChatInfo, JSON]:
    if p.get("inline_message_id"):
        raise APIError(400, "Bad Request: inline messages are not supported by the fake API")
    info = target(state, p.get("chat_id"))
    msg = state.message(info.chat["id"], p.get("message_id") or 0)
    if msg is None:
        raise APIError(400, f"Bad Request: {not_found}")
    return info, msg


def formatted(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
    text = "" if text is None else str(text)
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            return parse_html(text)
        except ParseError as exc:
            raise APIError(400, f"Bad Request: {exc}") from None
    # Markdown modes are passed through verbatim (not parsed by the fake).
    return text, list(entities or [])


def thread_of(info: ChatInfo, p: JSON) -> int | None:
    thread_id = p.get("message_thread_id")
    if thread_id is None or not info.forum:
        return None
    if thread_id not in info.topics:
        raise APIError(400, "Bad Request: message thread not found")
    return thread_id


def reply_of(state: State, info: ChatInfo, p: JSON) -> JSON | None:
    params = p.get("reply_parameters")
    if params is None and p.get("reply_to_message_id"):
        params = {
            "message_id": p["reply_to_message_id"],
            "allow_sending_without_reply": p.get("allow_sending_without_reply", False),
        }
    if not params:
        return None
    chat_id = params.get("chat_id", info.chat["id"])
    msg = state.message(chat_id, int(params.get("message_id", 0)))
    if msg is None and not params.get("allow_sending_without_reply"):
        raise APIError(400, "Bad Request: message to be replied not found")
    return msg


def inline_markup(p: JSON) -> JSON | None:
    """Validate ``reply_markup``; return it if it is an inline keyboard (kept on the message)."""
    markup = p.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise APIError(
                    400, "Bad Request: can't parse inline keyboard button: text is empty"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise APIError(400, "Bad Request: BUTTON_DATA_INVALID")
            if len(button) < 2:
                raise APIError(
                    400,
                    "Bad Request: can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard",
                )
    return markup if markup["inline_keyboard"] else None


def send(state: State, p: JSON, fields: JSON) -> JSON:
    info = target(state, p.get("chat_id"))
    thread_id = thread_of(info, p)
    reply_to = reply_of(state, info, p)
    markup = inline_markup(p)
    if markup:
        fields["reply_markup"] = markup
    msg = state.new_message(info, state.bot, thread_id=thread_id, reply_to=reply_to, fields=fields)
    return copy.deepcopy(msg)


def send_message(state: State, p: JSON) -> JSON:
    target(state, p.get("chat_id"))
    text, entities = formatted(p.get("text"), p.get("parse_mode"), p.get("entities"))
    if not text.strip():
        raise APIError(400, "Bad Request: message text is empty")
    if shapes.utf16_len(text) > MAX_TEXT:
        raise APIError(400, "Bad Request: message is too long")
    fields: JSON = {"text": text}
    if entities:
        fields["entities"] = entities
    return send(state, p, fields)


def edit_message_text(state: State, p: JSON) -> JSON:
    _, msg = existing(state, p, "message to edit not found")
    if msg["from"]["id"] != state.bot["id"]:
        raise APIError(400, "Bad Request: message can't be edited")
    if "text" not in msg:
        raise APIError(400, "Bad Request: there is no text in the message to edit")
    text, entities = formatted(p.get("text"), p.get("parse_mode"), p.get("entities"))
    if not text.strip():
        raise APIError(400, "Bad Request: message text is empty")
    if shapes.utf16_len(text) > MAX_TEXT:
        raise APIError(400, "Bad Request: message is too long")
    markup = inline_markup(p)
    same = (text, entities, markup) == (
        msg["text"],
        msg.get("entities", []),
        msg.get("reply_markup"),
    )
    if same:
        raise APIError(400, NOT_MODIFIED)
    msg["text"] = text
    set_optional(msg, "entities", entities)
    set_optional(msg, "reply_markup", markup)
    msg["edit_date"] = state.now()
    return copy.deepcopy(msg)


def edit_message_reply_markup(state: State, p: JSON) -> JSON:
    _, msg = existing(state, p, "message to edit not found")
    if msg["from"]["id"] != state.bot["id"]:
        raise APIError(400, "Bad Request: message can't be edited")
    markup = inline_markup(p)
    if markup == msg.get("reply_markup"):
        raise APIError(400, NOT_MODIFIED)
    set_optional(msg, "reply_markup", markup)
    msg["edit_date"] = state.now()
    return copy.deepcopy(msg)


def set_optional(msg: JSON, key: str, value: Any) -> None:
    if value:
        msg[key] = value
    else:
        msg.pop(key, None)


def delete_message(state: State, p: JSON) -> bool:
    info, msg = existing(state, p, "message to delete not found")
    own = msg["from"]["id"] == state.bot["id"]
    if not own and info.chat["type"] != "private" and info.bot_status != "administrator":
        raise APIError(400, "Bad Request: message can't be deleted")
    state.deleted.add((info.chat["id"], msg["message_id"]))
    return True


METHODS = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
}
