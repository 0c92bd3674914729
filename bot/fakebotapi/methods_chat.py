"""Bot API methods about the bot, updates, commands, chats and members."""

from __future__ import annotations

import copy
import itertools
import json
import re
import time
from typing import Any

from . import shapes
from .methods import METHODS as MESSAGE_METHODS
from .methods import lookup
from .methods_extra import METHODS as EXTRA_METHODS
from .state import APIError, State

JSON = dict[str, Any]
DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def get_me(state: State, p: JSON) -> JSON:
    return dict(state.bot)


def _update_kind(update: JSON) -> str:
    return next(k for k in update if k != "update_id")


def _allowed(state: State, update: JSON) -> bool:
    kind = _update_kind(update)
    if state.allowed_updates:
        return kind in state.allowed_updates
    return kind not in DEFAULT_EXCLUDED


def get_updates(state: State, p: JSON) -> list[JSON]:
    """Long poll: confirm updates below ``offset``, then wait up to ``timeout`` seconds."""
    with state.cond:
        if state.webhook_url:
            raise APIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if p.get("allowed_updates") is not None:
            state.allowed_updates = list(p["allowed_updates"])
        offset = p.get("offset") or 0
        if offset > 0:
            # Ids only grow: what the offset confirms is at the front. Not a filter of the
            # whole list, which made a long queue cost each poll as much as the queue.
            confirmed = 0
            while confirmed < len(state.updates) and state.updates[confirmed]["update_id"] < offset:
                confirmed += 1
            del state.updates[:confirmed]
        elif offset < 0:
            state.updates = state.updates[offset:]
        limit = min(max(p.get("limit") or 100, 1), 100)
        state.poll_generation += 1
        generation = state.poll_generation
        state.cond.notify_all()
        deadline = time.monotonic() + max(float(p.get("timeout") or 0), 0.0)
        while True:
            if state.stopping:
                return []
            if generation != state.poll_generation:
                raise APIError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            allowed = (u for u in state.updates if _allowed(state, u))
            pending = list(itertools.islice(allowed, limit))
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return copy.deepcopy(pending)
            state.cond.wait(remaining)


def set_webhook(state: State, p: JSON) -> bool:
    state.webhook_url = str(p.get("url") or "")
    return True


def delete_webhook(state: State, p: JSON) -> bool:
    state.webhook_url = ""
    if p.get("drop_pending_updates"):
        state.updates.clear()
    return True


def get_webhook_info(state: State, p: JSON) -> JSON:
    return {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }


def _always_true(state: State, p: JSON) -> bool:
    return True


def _commands_key(state: State, p: JSON) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise APIError(400, "Bad Request: can't parse BotCommandScope JSON object")
    if "chat_id" in scope:
        lookup(state, scope["chat_id"])
    return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")


def set_my_commands(state: State, p: JSON) -> bool:
    commands = p.get("commands")
    if not isinstance(commands, list):
        raise APIError(400, "Bad Request: can't parse commands JSON object")
    if len(commands) > 100:
        raise APIError(400, "Bad Request: too many commands specified")
    for command in commands:
        if not COMMAND_RE.fullmatch(str(command.get("command", ""))):
            raise APIError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise APIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    key = _commands_key(state, p)
    state.commands[key] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(state: State, p: JSON) -> list[JSON]:
    return copy.deepcopy(state.commands.get(_commands_key(state, p), []))


def delete_my_commands(state: State, p: JSON) -> bool:
    state.commands.pop(_commands_key(state, p), None)
    return True


def get_chat(state: State, p: JSON) -> JSON:
    info = lookup(state, p.get("chat_id"))
    return shapes.chat_full_info(info.chat)


def _member(state: State, chat_id: Any, user_id: Any) -> JSON:
    info = lookup(state, chat_id)
    if user_id == state.bot["id"]:
        return shapes.chat_member(state.bot_from, info.bot_status, info.forum)
    if user_id not in state.users:
        raise APIError(400, "Bad Request: user not found")
    if info.chat["type"] == "private":
        status = "member" if user_id == info.chat["id"] else "left"
    else:
        status = info.status_of(user_id)
    return shapes.chat_member(state.users[user_id], status, info.forum)


def get_chat_member(state: State, p: JSON) -> JSON:
    if p.get("user_id") is None:
        raise APIError(400, "Bad Request: user_id is empty")
    return _member(state, p.get("chat_id"), p["user_id"])


def get_chat_administrators(state: State, p: JSON) -> list[JSON]:
    info = lookup(state, p.get("chat_id"))
    if info.chat["type"] == "private":
        raise APIError(400, "Bad Request: there are no administrators in the private chat")
    ids = ([info.creator] if info.creator is not None else []) + sorted(
        info.admins - info.kicked - {info.creator}
    )
    result = [_member(state, info.chat["id"], uid) for uid in ids]
    if info.bot_status == "administrator":
        result.append(_member(state, info.chat["id"], state.bot["id"]))
    return result


def get_chat_member_count(state: State, p: JSON) -> int:
    info = lookup(state, p.get("chat_id"))
    if info.chat["type"] == "private":
        return 2
    people = {info.creator} | info.admins | info.members
    return len({u for u in people if u is not None} - info.kicked) + 1


def leave_chat(state: State, p: JSON) -> bool:
    info = lookup(state, p.get("chat_id"))
    info.bot_status = "left"
    return True


def answer_callback_query(state: State, p: JSON) -> bool:
    query = state.callback_queries.get(str(p.get("callback_query_id") or ""))
    if query is None or query.get("answered"):
        raise APIError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    query["answered"] = True
    query["answer"] = {k: p[k] for k in ("text", "show_alert", "url", "cache_time") if k in p}
    return True


METHODS = {
    **MESSAGE_METHODS,
    **EXTRA_METHODS,
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "logOut": _always_true,
    "close": _always_true,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "answerCallbackQuery": answer_callback_query,
}
BY_LOWER_NAME = {name.lower(): (name, fn) for name, fn in METHODS.items()}
